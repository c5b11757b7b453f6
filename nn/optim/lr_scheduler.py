"""Learning-rate schedules: change each parameter group's `lr` as training goes on.

A scheduler wraps an optimizer and, each time its `step()` is called (usually once per epoch,
or once per batch for `OneCycleLR`), writes a new learning rate into every parameter group:

    optimizer = SGD(model.parameters(), lr=0.1)
    scheduler = StepLR(optimizer, step_size=30, gamma=0.1)
    for epoch in range(100):
        train_one_epoch(model, optimizer)     # calls optimizer.step() many times
        scheduler.step()                      # then moves the schedule on by one

`last_epoch` counts the calls to `step()`; building the scheduler performs call number 0,
which sets the starting learning rate. `base_lrs` are the groups' learning rates when the
scheduler was built (kept in each group as `initial_lr`). Most schedules here are written the
way PyTorch computes them, as a rule that turns the *current* lr into the next one (so two
schedulers can be chained on one optimizer); the closed form is given in each docstring.
"""

import math
import numbers
from collections import Counter

from nn.optim.optimizer import Optimizer


class LRScheduler:
    """Base class: subclasses write `get_lr()`, the groups' learning rates at `last_epoch`."""

    def __init__(self, optimizer, last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__} expects an Optimizer, "
                            f"got {type(optimizer).__name__}")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"param_groups[{i}] has no 'initial_lr': to resume a schedule "
                                   f"at last_epoch={last_epoch}, load the optimizer's state first")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self._is_initial = True  # the constructor's step sets the starting lr
        self.step()
        self._is_initial = False

    def get_lr(self):
        """The learning rate of each parameter group at step `last_epoch`."""
        raise NotImplementedError(f"{type(self).__name__} must define get_lr()")

    def current_lrs(self):
        """The learning rates the groups have now."""
        return [group["lr"] for group in self.optimizer.param_groups]

    def step(self):
        """Move the schedule on by one and write the new learning rates into the optimizer."""
        self._step_count += 1
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = self.current_lrs()

    def get_last_lr(self):
        """The learning rates set by the last `step()` (one per parameter group)."""
        return self._last_lr

    def state_dict(self):
        """Everything but the optimizer (which has its own state_dict)."""
        return {key: value for key, value in vars(self).items() if key != "optimizer"}

    def load_state_dict(self, state_dict):
        vars(self).update(state_dict)


class LambdaLR(LRScheduler):
    """lr = base_lr * lr_lambda(last_epoch), with `lr_lambda` a function of the step count (or
    one function per parameter group). E.g. linear warm-up over 100 steps:
    `LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / 100))`. The functions are not part
    of `state_dict()`: rebuild the scheduler with them before loading its state."""

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        groups = len(optimizer.param_groups)
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != groups:
                raise ValueError(f"LambdaLR expected {groups} lr_lambdas (one per parameter "
                                 f"group), got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * groups
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [base * f(self.last_epoch) for base, f in zip(self.base_lrs, self.lr_lambdas)]

    def state_dict(self):
        state = super().state_dict()
        del state["lr_lambdas"]
        return state


class StepLR(LRScheduler):
    """Multiply the lr by `gamma` every `step_size` steps:
    lr = base_lr * gamma ** (last_epoch // step_size)."""

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        _check_positive("StepLR", "step_size", step_size, integer=True)
        _check_positive("StepLR", "gamma", gamma)
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self.current_lrs()
        return [lr * self.gamma for lr in self.current_lrs()]


class MultiStepLR(LRScheduler):
    """Multiply the lr by `gamma` at each milestone (a step count):
    lr = base_lr * gamma ** (number of milestones <= last_epoch)."""

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        if isinstance(milestones, (numbers.Number, str)) or not all(
                isinstance(m, numbers.Integral) for m in milestones):
            raise TypeError(f"MultiStepLR: milestones must be a list of step counts such as "
                            f"[30, 80], got {type(milestones).__name__} {milestones!r}")
        _check_positive("MultiStepLR", "gamma", gamma)
        self.milestones = Counter(milestones)  # a milestone listed twice decays twice
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        times = self.milestones.get(self.last_epoch, 0)
        return [lr * self.gamma**times for lr in self.current_lrs()]


class ExponentialLR(LRScheduler):
    """Multiply the lr by `gamma` at every step: lr = base_lr * gamma ** last_epoch."""

    def __init__(self, optimizer, gamma, last_epoch=-1):
        _check_positive("ExponentialLR", "gamma", gamma)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self._is_initial:
            return self.current_lrs()
        return [lr * self.gamma for lr in self.current_lrs()]


class CosineAnnealingLR(LRScheduler):
    r"""Follow half a cosine from base_lr down to `eta_min` over `T_max` steps:

        lr_t = eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2

    computed step to step as lr_t = eta_min + (lr_{t-1} - eta_min) * c_t / c_{t-1} with
    c_t = 1 + cos(pi * t / T_max). Past T_max the cosine climbs back up (period 2 T_max)."""

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        _check_positive("CosineAnnealingLR", "T_max", T_max, integer=True)
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        t, T, low = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self.current_lrs()
        if (t - 1 - T) % (2 * T) == 0:  # at the bottom c_{t-1} = 0: step up by the closed form
            return [lr + (base - low) * (1 - math.cos(math.pi / T)) / 2
                    for lr, base in zip(self.current_lrs(), self.base_lrs)]
        ratio = (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
        return [low + (lr - low) * ratio for lr in self.current_lrs()]


class OneCycleLR(LRScheduler):
    r"""The "1cycle" policy (Smith & Topin, 2018), stepped once per batch for `total_steps`
    steps (or `epochs * steps_per_epoch`).

    The lr warms up from max_lr / div_factor to max_lr over the first `pct_start` of the
    steps, then anneals down to max_lr / (div_factor * final_div_factor). With
    `three_phase=True` it comes back down to the starting lr symmetrically first, then anneals
    to the minimum. Each phase interpolates from its start value a to its end value b with

        cos:    b + (a - b) * (1 + cos(pi * pct)) / 2        linear: a + (b - a) * pct

    where pct runs from 0 to 1 through the phase. With `cycle_momentum` the momentum (SGD's
    `momentum`, or beta1 of Adam's `betas`) moves the opposite way, between max_momentum and
    base_momentum: high momentum while the lr is low, low while it is high.
    """

    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None,
                 pct_start=0.3, anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85,
                 max_momentum=0.95, div_factor=25.0, final_div_factor=1e4, three_phase=False,
                 last_epoch=-1):
        if total_steps is None:
            if epochs is None or steps_per_epoch is None:
                raise ValueError("OneCycleLR needs total_steps, or epochs and steps_per_epoch")
            total_steps = epochs * steps_per_epoch
        if not isinstance(total_steps, int) or total_steps <= 0:
            raise ValueError(f"OneCycleLR expects a positive integer number of steps, "
                             f"got {total_steps!r}")
        if not 0 <= pct_start <= 1:
            raise ValueError(f"OneCycleLR expects 0 <= pct_start <= 1, got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"OneCycleLR anneal_strategy must be 'cos' or 'linear', "
                             f"got {anneal_strategy!r}")
        self.total_steps = total_steps
        self.anneal_strategy = anneal_strategy
        self.cycle_momentum = cycle_momentum
        # each phase: (last step of the phase, lr key at its start and end, momentum keys)
        up = pct_start * total_steps - 1
        if three_phase:
            self.phases = [(up, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                           (2 * up, "max_lr", "initial_lr", "base_momentum", "max_momentum"),
                           (total_steps - 1, "initial_lr", "min_lr", "max_momentum",
                            "max_momentum")]
        else:
            self.phases = [(up, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                           (total_steps - 1, "max_lr", "min_lr", "base_momentum", "max_momentum")]
        groups = optimizer.param_groups
        if last_epoch == -1:
            for group, top in zip(groups, _per_group("max_lr", max_lr, groups)):
                group["initial_lr"] = top / div_factor
                group["max_lr"] = top
                group["min_lr"] = group["initial_lr"] / final_div_factor
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError(f"cycle_momentum=True needs an optimizer with momentum or betas; "
                                 f"{type(optimizer).__name__} has neither")
            self.use_beta1 = "betas" in optimizer.defaults
            if last_epoch == -1:
                highs = _per_group("max_momentum", max_momentum, groups)
                lows = _per_group("base_momentum", base_momentum, groups)
                for group, high, low in zip(groups, highs, lows):
                    self._set_momentum(group, high)
                    group["max_momentum"] = high
                    group["base_momentum"] = low
        super().__init__(optimizer, last_epoch)

    def _anneal(self, start, end, pct):
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def _set_momentum(self, group, value):
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def get_lr(self):
        t = self.last_epoch
        if t > self.total_steps:
            raise ValueError(f"OneCycleLR was stepped {t} times, but total_steps is "
                             f"{self.total_steps}")
        lrs = []
        for group in self.optimizer.param_groups:
            start = 0.0
            for i, (end, lr_a, lr_b, mom_a, mom_b) in enumerate(self.phases):
                if t <= end or i == len(self.phases) - 1:
                    # a phase shorter than a step (pct_start * total_steps <= 1) is over at once
                    pct = (t - start) / (end - start) if end > start else 1.0
                    lrs.append(self._anneal(group[lr_a], group[lr_b], pct))
                    if self.cycle_momentum:
                        self._set_momentum(group, self._anneal(group[mom_a], group[mom_b], pct))
                    break
                start = end
        return lrs


def _check_positive(scheduler, name, value, integer=False):
    """ValueError unless `value` is a number > 0 (an integer if `integer`): a step_size or
    T_max of 0 would divide by zero, and a gamma <= 0 would make the learning rate 0 or
    negative."""
    kind = numbers.Integral if integer else numbers.Real
    if not isinstance(value, kind) or isinstance(value, bool) or value <= 0:
        what = "a positive integer" if integer else "a positive number"
        raise ValueError(f"{scheduler}: {name} must be {what}, got {value!r}")


def _per_group(name, value, groups):
    """`value` repeated for every parameter group, or a list/tuple with one value per group."""
    if isinstance(value, (list, tuple)):
        if len(value) != len(groups):
            raise ValueError(f"expected {len(groups)} values of {name} (one per parameter "
                             f"group), got {len(value)}")
        return list(value)
    return [value] * len(groups)
