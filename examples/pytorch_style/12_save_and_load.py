"""Saving and loading: a state_dict, a checkpoint with the optimizer's state to resume
training exactly, weights_only loading, and saving into a buffer (after PyTorch's "Save and
Load the Model" tutorial and recipe)."""

import io

import torch
import torch.nn.functional as F
from torch import nn


def make_model():
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))


torch.manual_seed(0)
model = make_model()
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
x = torch.linspace(-1, 1, 40).reshape(10, 4)
target = torch.tensor([0, 1, 2, 0, 1, 2, 0, 1, 2, 0])
for _ in range(5):
    loss = F.cross_entropy(model(x), target)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

torch.save(model.state_dict(), "model_weights.pth")
model2 = make_model()
model2.load_state_dict(torch.load("model_weights.pth", weights_only=True))
model2.eval()
print((model(x) == model2(x)).all().item())
print(list(model.state_dict().keys()))

# a checkpoint: everything needed to resume training
torch.save({
    "epoch": 5,
    "model_state_dict": model.state_dict(),
    "optimizer_state_dict": optimizer.state_dict(),
    "loss": loss.item(),
}, "checkpoint.tar")

checkpoint = torch.load("checkpoint.tar", weights_only=True)
print(checkpoint["epoch"], sorted(checkpoint.keys()))
print(sorted(checkpoint["optimizer_state_dict"].keys()))
group = checkpoint["optimizer_state_dict"]["param_groups"][0]
print(group["lr"], group["betas"], group["params"])
print(isinstance(checkpoint["loss"], float))

model3 = make_model()
optimizer3 = torch.optim.Adam(model3.parameters(), lr=0.01)
model3.load_state_dict(checkpoint["model_state_dict"])
optimizer3.load_state_dict(checkpoint["optimizer_state_dict"])
model3.train()

# one more step of training, from the original and from the restored copy: the same result
for m, opt in ((model, optimizer), (model3, optimizer3)):
    loss = F.cross_entropy(m(x), target)
    opt.zero_grad()
    loss.backward()
    opt.step()
print(all((p == q).all().item() for p, q in zip(model.parameters(), model3.parameters())))

buffer = io.BytesIO()
torch.save(model.state_dict(), buffer)
buffer.seek(0)
print(list(torch.load(buffer, weights_only=True).keys()))
