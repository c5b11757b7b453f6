"""`Flatten`: merge a range of dimensions into one, e.g. images (N, 1, 28, 28) -> (N, 784)."""

from nn.module import Module


class Flatten(Module):
    """Reshape dimensions start_dim..end_dim (inclusive) into one. The default keeps the
    batch dimension: (N, C, H, W) -> (N, C*H*W), what a Linear layer after convolutions needs.
    A reshape moves no numbers, and its gradient is the incoming gradient reshaped back."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
