"""Automatic differentiation: requires_grad, grad_fn, backward, no_grad, detach, gradients
of non-scalar outputs, torch.autograd.grad (after PyTorch's "Autograd" tutorial)."""

import torch

x = torch.ones(5)  # input tensor
y = torch.zeros(3)  # expected output
w = torch.linspace(-1.0, 1.0, 15).reshape(5, 3).requires_grad_()
b = torch.tensor([0.1, -0.2, 0.3], requires_grad=True)
z = torch.matmul(x, w) + b
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)

print(f"Gradient function for z = {z.grad_fn}")
print(f"Gradient function for loss = {loss.grad_fn}")
print(loss)

loss.backward()
print(w.grad)
print(b.grad)

z = torch.matmul(x, w) + b
print(z.requires_grad)
with torch.no_grad():
    z = torch.matmul(x, w) + b
print(z.requires_grad)

z = torch.matmul(x, w) + b
z_det = z.detach()
print(z_det.requires_grad)

# a vector output: backward() needs the gradient of something with respect to it
inp = torch.eye(4, 5, requires_grad=True)
out = (inp + 1).pow(2).t()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"First call\n{inp.grad}")
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\nSecond call\n{inp.grad}")
inp.grad.zero_()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\nCall after zeroing gradients\n{inp.grad}")

# d/da (3a^3 - b^2) = 9a^2, d/db = -2b
a = torch.tensor([2., 3.], requires_grad=True)
b = torch.tensor([6., 4.], requires_grad=True)
Q = 3 * a**3 - b**2
external_grad = torch.tensor([1., 1.])
Q.backward(gradient=external_grad)
print(9 * a**2 == a.grad)
print(-2 * b == b.grad)

# the graph, node by node
x = torch.tensor(3.0, requires_grad=True)
y = x ** 3 + 2 * x
print(y, y.grad_fn.name() if hasattr(y.grad_fn, "name") else y.grad_fn)
print(y.grad_fn.next_functions)
(dy_dx,) = torch.autograd.grad(y, x)
print(f"dy/dx at 3 = {dy_dx:.1f}")  # 3 x^2 + 2 = 29

# turning gradients off for a whole function
@torch.no_grad()
def scaled(t):
    return t * 2

print(scaled(x).requires_grad, torch.is_grad_enabled())
with torch.set_grad_enabled(False):
    print((x * 2).requires_grad)
with torch.inference_mode():
    print((x * 2).requires_grad)
