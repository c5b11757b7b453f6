"""`gradschool.nn`, as `torch.nn`: modules, layers, losses, `Parameter`, and the submodules
`functional`, `init`, `utils`, `parameter`. Re-exports nn/."""

from nn import *  # noqa: F403
from nn import (  # noqa: F401  (torch.nn's submodules)
    __all__,  # noqa: F401
    functional,
    init,
    parameter,
    utils,
)
