"""How a workload's contestants are assembled from its three step builders, and the step
builders of the workloads that train a `build(lib)` network with Adam on (inputs, targets)
pairs (lstm, transformer)."""

import nn
import nn.functional as F
import tensor


def assemble(workload, device, include, *data):
    """{name: step(k) -> loss} for the contestants in `include` that can run here (PyTorch
    only when it is installed; the NumPy floor only on the CPU), all from the same initial
    weights and `data` (the batches), built by the workload module's gradschool_step,
    pytorch_step and numpy_step; and {name: function that waits for the device}."""
    steps, synchronize = {}, {}
    step, weights = workload.gradschool_step(device, *data)
    if "gradschool" in include:
        steps["gradschool"] = step
        synchronize["gradschool"] = tensor.get_backend(device).synchronize
    if "pytorch" in include:
        try:
            import torch
        except ImportError:
            torch = None
        if torch is not None:
            steps["pytorch"] = workload.pytorch_step(device, weights, *data)
            if device != "cpu":
                synchronize["pytorch"] = torch.cuda.synchronize
    if "numpy" in include and device == "cpu":
        steps["numpy"] = workload.numpy_step(weights, *data)
    return steps, synchronize


def adam_gradschool_step(workload, device, pairs, seed=0):
    """Grad School's step for `workload` (its build(lib), loss(F, model, x, y) and LR) on
    `device`, and the initial weights as NumPy arrays for the other contestants."""
    tensor.manual_seed(seed)
    model = workload.build(nn)
    weights = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    model.to(device)
    optimizer = nn.optim.Adam(model.parameters(), lr=workload.LR)
    pairs = [(tensor.Tensor(x, device=device), tensor.Tensor(y, device=device)) for x, y in pairs]

    def step(k):
        x, y = pairs[k % len(pairs)]
        loss = workload.loss(F, model, x, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    return step, weights


def adam_pytorch_step(workload, device, weights, pairs):
    """The same step in PyTorch, from `weights`."""
    import torch

    model = workload.build(torch.nn)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()})
    model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=workload.LR)
    pairs = [(torch.from_numpy(x).to(device), torch.from_numpy(y).to(device)) for x, y in pairs]

    def step(k):
        x, y = pairs[k % len(pairs)]
        loss = workload.loss(torch.nn.functional, model, x, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    return step
