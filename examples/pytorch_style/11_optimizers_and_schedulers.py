"""Optimizers and learning-rate schedules: each optimizer of torch.optim on the same
ill-conditioned quadratic, the schedules' learning rates epoch by epoch, and a small
classifier trained with Adam and StepLR (after PyTorch's "Optimizing Model Parameters"
tutorial and the torch.optim documentation)."""

import math

import torch
from torch import nn
from torch.optim import lr_scheduler


def minimize(make_optimizer, steps=50):
    """f(w) = w_0^2 + 10 w_1^2 from w = (1, -2): where each optimizer is after `steps`."""
    w = torch.tensor([1.0, -2.0], requires_grad=True)
    optimizer = make_optimizer([w])
    for _ in range(steps):
        loss = (w ** 2 * torch.tensor([1.0, 10.0])).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return w.detach()


optimizers = {
    "SGD": lambda p: torch.optim.SGD(p, lr=0.01),
    "SGD momentum": lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9),
    "SGD nesterov": lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9, nesterov=True,
                                              weight_decay=1e-3),
    "Adam": lambda p: torch.optim.Adam(p, lr=0.1),
    "AdamW": lambda p: torch.optim.AdamW(p, lr=0.1, weight_decay=0.1),
    "RMSprop": lambda p: torch.optim.RMSprop(p, lr=0.01),
    "Adagrad": lambda p: torch.optim.Adagrad(p, lr=0.5),
    "Adadelta": lambda p: torch.optim.Adadelta(p, lr=1.0),
}
for name, make in optimizers.items():
    w = minimize(make)
    print(f"{name:>13}: w = ({w[0].item():+.6f}, {w[1].item():+.6f})")


def learning_rates(make_scheduler, epochs=8):
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    scheduler = make_scheduler(optimizer)
    rates = []
    for _ in range(epochs):
        optimizer.step()
        rates.append(scheduler.get_last_lr()[0])
        scheduler.step()
    return " ".join(f"{r:.5f}" for r in rates)


print("StepLR     ", learning_rates(lambda o: lr_scheduler.StepLR(o, step_size=3, gamma=0.5)))
print("MultiStepLR", learning_rates(lambda o: lr_scheduler.MultiStepLR(o, [2, 5], gamma=0.1)))
print("Exponential", learning_rates(lambda o: lr_scheduler.ExponentialLR(o, gamma=0.9)))
print("Cosine     ", learning_rates(lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=8)))
print("LambdaLR   ", learning_rates(lambda o: lr_scheduler.LambdaLR(o, lambda e: 1 / (e + 1))))
print("OneCycleLR ", learning_rates(lambda o: lr_scheduler.OneCycleLR(o, max_lr=1.0,
                                                                      total_steps=8)))

# two interleaved spirals, and a small network that learns to tell them apart
torch.manual_seed(0)
t = torch.linspace(0, 1, 200)
angle = 3 * math.pi * t
X = torch.cat([torch.stack([t * torch.cos(angle), t * torch.sin(angle)], dim=1),
               torch.stack([-t * torch.cos(angle), -t * torch.sin(angle)], dim=1)])
y = torch.cat([torch.zeros(200, dtype=torch.long), torch.ones(200, dtype=torch.long)])
model = nn.Sequential(nn.Linear(2, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(),
                      nn.Linear(64, 2))
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
scheduler = lr_scheduler.StepLR(optimizer, step_size=100, gamma=0.5)
for epoch in range(300):
    loss = loss_fn(model(X), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    scheduler.step()
    if epoch % 100 == 99:
        accuracy = (model(X).argmax(dim=1) == y).float().mean()
        print(f"epoch {epoch + 1}: lr {scheduler.get_last_lr()[0]:.4f}, accuracy "
              f"{accuracy:.2f}")
