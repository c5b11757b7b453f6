"""Tensors: making them, their attributes, indexing, joining, arithmetic, the NumPy bridge
(after PyTorch's "Tensors" tutorial)."""

import numpy as np
import torch

data = [[1, 2], [3, 4]]
x_data = torch.tensor(data)
np_array = np.array(data)
x_np = torch.from_numpy(np_array)
print(f"From data: {x_data.dtype}, from NumPy: {x_np.dtype}")

x_ones = torch.ones_like(x_data)
print(f"Ones Tensor: \n {x_ones} \n")
x_rand = torch.rand_like(x_data, dtype=torch.float)
print(f"Random Tensor: shape {x_rand.shape}, dtype {x_rand.dtype}, "
      f"in [0, 1): {bool(((x_rand >= 0) & (x_rand < 1)).all())}")

shape = (2, 3,)
ones_tensor = torch.ones(shape)
zeros_tensor = torch.zeros(shape)
print(f"Ones Tensor: \n {ones_tensor} \n")
print(f"Zeros Tensor: \n {zeros_tensor}")

tensor = torch.rand(3, 4)
print(f"Shape of tensor: {tensor.shape}")
print(f"Datatype of tensor: {tensor.dtype}")
print(f"Device tensor is stored on: {tensor.device}")

if torch.accelerator.is_available():
    tensor = tensor.to(torch.accelerator.current_accelerator())

tensor = torch.ones(4, 4)
print(f"First row: {tensor[0]}")
print(f"First column: {tensor[:, 0]}")
print(f"Last column: {tensor[..., -1]}")
tensor[:, 1] = 0
print(tensor)

t1 = torch.cat([tensor, tensor, tensor], dim=1)
print(t1)

# matrix products, three ways
y1 = tensor @ tensor.T
y2 = tensor.matmul(tensor.T)
y3 = torch.rand_like(y1)
torch.matmul(tensor, tensor.T, out=y3)
print(y1)
print((y1 == y2).all(), (y1 == y3).all())

# elementwise products, three ways
z1 = tensor * tensor
z2 = tensor.mul(tensor)
z3 = torch.rand_like(tensor)
torch.mul(tensor, tensor, out=z3)
print(z1)
print((z1 == z2).all(), (z1 == z3).all())

agg = tensor.sum()
agg_item = agg.item()
print(agg_item, type(agg_item))

print(f"{tensor} \n")
tensor.add_(5)
print(tensor)

# the NumPy bridge: shared memory
t = torch.ones(5)
print(f"t: {t}")
n = t.numpy()
print(f"n: {n}")
t.add_(1)
print(f"t: {t}")
print(f"n: {n}")

n = np.ones(5)
t = torch.from_numpy(n)
np.add(n, 1, out=n)
print(f"t: {t}")
print(f"n: {n}")

# reductions with NumPy's keyword names, numbers formatted like numbers, arrays mixed in
m = torch.arange(6.0).reshape(2, 3)
print(m.sum(1, keepdims=True), m.argmax(axis=1), torch.mean(m, dim=0))
print(m + np.array([1.0, 2.0, 3.0]))
print(f"sum {m.sum():.3f}, mean {m.mean()}", "{:+.2f}".format(m.min()))  # noqa: UP032
print(m.size(), m.size(1), m.shape[0], len(m), m.numel(), m.dim(), m.ndim)
print(torch.tensor([1.5, 2]).dtype, torch.tensor([True]).dtype, torch.tensor(3).dtype,
      torch.zeros(2, dtype=torch.long).dtype, torch.ones(1).double().dtype)
