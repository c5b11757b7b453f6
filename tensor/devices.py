"""`device`: where a tensor's values live, as PyTorch's `torch.device` names it; and the
default device that new tensors go to (`set_default_device`).

A device IS its name, a str ("cpu", "cuda:0", "standin"), so it compares equal to its string
(`t.device == "cpu"`) and goes wherever a device name is accepted; it adds PyTorch's `.type`
("cuda") and `.index` (0, or None for a plain "cuda"), and prints as PyTorch prints it,
`device(type='cuda', index=0)`. The backend behind each name is tensor/backend's business.
"""

from tensor.backend import get_backend, parse_device


class device(str):
    """`device("cpu")`, `device("cuda")`, `device("cuda:1")` or `device("cuda", 1)`."""

    __slots__ = ()

    def __new__(cls, type, index=None):
        if isinstance(type, device) and index is None:
            return type
        if not isinstance(type, str):
            raise TypeError(f"device() expects a device name such as 'cpu' or 'cuda', got "
                            f"{builtin_type(type).__name__} {type!r}")
        name = type.strip().lower()
        if index is not None:
            if ":" in name:
                raise ValueError(f"device({type!r}, {index!r}): the name already has an index")
            if isinstance(index, bool) or not isinstance(index, int) or index < 0:
                raise ValueError(f"device index must be a non-negative int, got {index!r}")
            name = f"{name}:{index}"
        parse_device(name)  # an unknown name is a ValueError that lists the known ones
        return super().__new__(cls, name)

    @property
    def type(self):
        """The kind of device: "cpu", "cuda" or "standin"."""
        return self.partition(":")[0]

    @property
    def index(self):
        """The GPU number of "cuda:N", or None when the name has none."""
        _, colon, number = self.partition(":")
        return int(number) if colon else None

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __reduce__(self):
        return device, (str(self),)


builtin_type = type
_DEVICES = {}  # name -> device, so that tensor.device makes no new object per call
_default = "cpu"


def device_of(name):
    """The `device` for a backend's device name (cached)."""
    found = _DEVICES.get(name)
    if found is None:
        found = _DEVICES[name] = device(name)
    return found


def set_default_device(name):
    """Make new tensors (factories, `tensor.tensor(data)`, the parameters of new layers) go to
    `name` when no device= is given (None: back to "cpu"). The device must be usable now:
    a missing GPU is an error here rather than at the first tensor."""
    global _default
    target = "cpu" if name is None else device(name)
    get_backend(target)
    _default = str(target)


def get_default_device():
    """The device new tensors go to when no device= is given."""
    return device_of(_default)


def default_name():
    """The default device's name, for the factories."""
    return _default
