"""`gradschool.vision`, in place of `torchvision`: `datasets` (MNIST, FashionMNIST),
`transforms` (ToTensor, Normalize, Compose, Lambda), `utils` (make_grid). Re-exports
nn/vision/.

    from gradschool.vision import datasets          # from torchvision import datasets
    from gradschool.vision.transforms import ToTensor
"""

from gradschool.vision import datasets, transforms, utils  # noqa: F401
