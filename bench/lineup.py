"""How a workload's contestants are assembled from its three step builders."""

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
