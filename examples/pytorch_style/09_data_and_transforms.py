"""Datasets, DataLoaders and transforms: Fashion-MNIST through ToTensor, Normalize, Compose
and Lambda, a Dataset of your own, shuffling, random_split, Subset and samplers (after
PyTorch's "Datasets & DataLoaders" and "Transforms" tutorials)."""

import torch
from torch.utils.data import (
    BatchSampler,
    DataLoader,
    Dataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    TensorDataset,
    random_split,
)
from torchvision import datasets
from torchvision.transforms import Compose, Lambda, Normalize, ToTensor

training_data = datasets.FashionMNIST(
    root="data",
    train=True,
    download=True,
    transform=ToTensor()
)

labels_map = {
    0: "T-Shirt",
    1: "Trouser",
    2: "Pullover",
    3: "Dress",
    4: "Coat",
    5: "Sandal",
    6: "Shirt",
    7: "Sneaker",
    8: "Bag",
    9: "Ankle Boot",
}
print(len(training_data), training_data.data.shape, training_data.targets[:10])
for i in range(5):
    img, label = training_data[i]
    print(labels_map[label], img.shape, img.dtype, f"{img.mean():.4f} {img.max():.4f}")


class SquaresDataset(Dataset):
    """Example i is (i, i % 3): the number and its class."""

    def __init__(self, n, transform=None, target_transform=None):
        self.x = torch.arange(n, dtype=torch.float32)
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self):
        return len(self.x)

    def __getitem__(self, idx):
        x, label = self.x[idx], idx % 3
        if self.transform:
            x = self.transform(x)
        if self.target_transform:
            label = self.target_transform(label)
        return x, label


ds = SquaresDataset(
    10,
    transform=Lambda(lambda v: v ** 2),
    target_transform=Lambda(lambda y: torch.zeros(3, dtype=torch.float).scatter_(
        0, torch.tensor(y), value=1)),
)
loader = DataLoader(ds, batch_size=4)
for xb, yb in loader:
    print(xb, yb)
print(len(loader))

# a shuffled epoch visits every example once, in a random order
shuffled = DataLoader(ds, batch_size=4, shuffle=True, num_workers=2, pin_memory=True)
seen = torch.cat([xb for xb, _ in shuffled])
print(sorted(seen.tolist()) == (ds.x ** 2).tolist(), len(shuffled))

train_dataloader = DataLoader(training_data, batch_size=64, shuffle=True)
train_features, train_labels = next(iter(train_dataloader))
print(f"Feature batch shape: {train_features.size()}")
print(f"Labels batch shape: {train_labels.size()}")

# splitting and sampling
generator = torch.Generator().manual_seed(42)
train_set, val_set = random_split(TensorDataset(torch.arange(10)), [0.8, 0.2],
                                  generator=generator)
print(len(train_set), len(val_set),
      sorted(int(x) for (x,) in list(train_set) + list(val_set)) == list(range(10)))
first = Subset(training_data, range(100))
print(len(first), first[3][1] == training_data[3][1])
print(list(BatchSampler(SequentialSampler(range(10)), batch_size=3, drop_last=False)))
print(list(BatchSampler(SequentialSampler(range(10)), batch_size=3, drop_last=True)))
print(sorted(RandomSampler(range(10), generator=generator)) == list(range(10)))
tensors = TensorDataset(torch.arange(10.0), torch.arange(10) % 2)
for xb, yb in DataLoader(tensors, batch_sampler=BatchSampler(SequentialSampler(tensors), 4,
                                                             False)):
    print(xb, yb)

# Normalize: each channel to mean 0, standard deviation 1
normalized = datasets.FashionMNIST(
    root="data", train=False, download=True,
    transform=Compose([ToTensor(), Normalize((0.2860,), (0.3530,))]),
)
x, y = next(iter(DataLoader(normalized, batch_size=1000)))
print(f"{x.mean():.3f} {x.std():.3f}", x.shape, y[:8])
