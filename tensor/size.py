"""`Size`: a tensor's shape, as PyTorch's `torch.Size`.

A tuple of ints, so everything a tuple does works (`x.shape == (2, 3)`, `n, d = x.shape`,
`x.shape[1:]`, `zeros(x.shape)`), plus `numel()`. It prints as the tuple it is, `(2, 3)`,
which is also how error messages show shapes (PyTorch prints `torch.Size([2, 3])`).
"""


class Size(tuple):
    """`Size((2, 3))`: the sizes of a tensor's dimensions."""

    __slots__ = ()

    def numel(self):
        """The number of elements a tensor of this shape has: the product of the sizes."""
        count = 1
        for n in self:
            count *= n
        return count

    def __getitem__(self, key):
        item = tuple.__getitem__(self, key)
        return Size(item) if isinstance(key, slice) else item

    def __add__(self, other):
        return Size(tuple.__add__(self, other))
