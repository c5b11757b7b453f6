"""Learning-rate schedulers against torch.optim.lr_scheduler: the same lr (and momentum)
sequence, step by step, for every scheduler and its main options."""

import math

import pytest
import torch

import nn
import tensor
from nn.optim import lr_scheduler as ours

STEPS = 40


def make_pair(kind="sgd", lrs=(0.1,)):
    """Our optimizer and torch's, with one parameter group per entry of `lrs`."""
    our_groups = [{"params": [nn.Parameter(tensor.zeros(2))], "lr": lr} for lr in lrs]
    torch_groups = [{"params": [torch.nn.Parameter(torch.zeros(2))], "lr": lr} for lr in lrs]
    if kind == "sgd":
        return nn.optim.SGD(our_groups, momentum=0.9), torch.optim.SGD(torch_groups, momentum=0.9)
    return nn.optim.Adam(our_groups), torch.optim.Adam(torch_groups)


def warmup(epoch):
    return min(1.0, (epoch + 1) / 5)


# (name, optimizer kind, group lrs, scheduler kwargs); the scheduler class has the same name
# in both libraries
SCHEDULES = [
    ("StepLR", "sgd", (0.1,), dict(step_size=5, gamma=0.5)),
    ("StepLR", "sgd", (0.1, 0.02), dict(step_size=3)),
    ("MultiStepLR", "sgd", (0.1,), dict(milestones=[3, 7, 7, 15], gamma=0.3)),
    ("ExponentialLR", "adam", (0.1, 0.5), dict(gamma=0.9)),
    ("CosineAnnealingLR", "sgd", (0.1,), dict(T_max=10)),  # 40 steps: down, up, down, up
    ("CosineAnnealingLR", "adam", (0.1, 0.3), dict(T_max=7, eta_min=0.01)),
    ("LambdaLR", "sgd", (0.1,), dict(lr_lambda=warmup)),
    ("LambdaLR", "sgd", (0.1, 0.2), dict(lr_lambda=[warmup, lambda e: 0.95**e])),
    ("OneCycleLR", "sgd", (0.1,), dict(max_lr=0.5, total_steps=STEPS)),
    ("OneCycleLR", "adam", (0.1, 0.1), dict(max_lr=[0.5, 0.2], total_steps=STEPS + 3)),
    ("OneCycleLR", "sgd", (0.1,), dict(max_lr=1.0, epochs=4, steps_per_epoch=10,
                                       anneal_strategy="linear", three_phase=True)),
    ("OneCycleLR", "adam", (0.1,), dict(max_lr=0.3, total_steps=STEPS, pct_start=0.25,
                                        div_factor=10.0, final_div_factor=100.0,
                                        cycle_momentum=False)),
]


def momenta(optimizer):
    return [g["betas"][0] if "betas" in g else g["momentum"] for g in optimizer.param_groups]


@pytest.mark.parametrize("name, kind, lrs, kwargs", SCHEDULES,
                         ids=[f"{s[0]}-{i}" for i, s in enumerate(SCHEDULES)])
def test_schedule_matches_torch(name, kind, lrs, kwargs):
    our_opt, torch_opt = make_pair(kind, lrs)
    our_sched = getattr(ours, name)(our_opt, **kwargs)
    torch_sched = getattr(torch.optim.lr_scheduler, name)(torch_opt, **kwargs)
    assert our_sched.get_last_lr() == pytest.approx(torch_sched.get_last_lr(), rel=1e-12)
    for _ in range(STEPS):
        our_opt.step()
        torch_opt.step()
        our_sched.step()
        torch_sched.step()
        assert our_sched.last_epoch == torch_sched.last_epoch
        assert our_sched.get_last_lr() == pytest.approx(torch_sched.get_last_lr(), rel=1e-12)
        assert [g["lr"] for g in our_opt.param_groups] == pytest.approx(
            [g["lr"] for g in torch_opt.param_groups], rel=1e-12)
        assert momenta(our_opt) == pytest.approx(momenta(torch_opt), rel=1e-12)


def test_cosine_annealing_reaches_eta_min_at_t_max():
    opt, _ = make_pair()
    sched = ours.CosineAnnealingLR(opt, T_max=8, eta_min=0.001)
    for _ in range(8):
        sched.step()
    assert sched.get_last_lr() == pytest.approx([0.001], abs=1e-12)


def test_one_cycle_peaks_at_max_lr_and_ends_near_zero():
    opt, _ = make_pair()
    sched = ours.OneCycleLR(opt, max_lr=1.0, total_steps=100)
    lrs = [sched.get_last_lr()[0]]
    for _ in range(99):
        sched.step()
        lrs.append(sched.get_last_lr()[0])
    assert lrs[0] == pytest.approx(1.0 / 25)
    assert max(lrs) == pytest.approx(1.0, rel=1e-3)
    assert lrs[-1] == pytest.approx(1.0 / 25 / 1e4)
    sched.step()  # step 100 is the last one allowed
    with pytest.raises(ValueError, match="total_steps is 100"):
        sched.step()


@pytest.mark.parametrize("name, kwargs", [
    ("StepLR", dict(step_size=4, gamma=0.5)),
    ("CosineAnnealingLR", dict(T_max=9)),
    ("OneCycleLR", dict(max_lr=0.4, total_steps=30)),
])
def test_state_dict_round_trip_resumes_the_schedule(name, kwargs):
    opt, _ = make_pair()
    sched = getattr(ours, name)(opt, **kwargs)
    for _ in range(10):
        opt.step()
        sched.step()
    opt_state, sched_state = opt.state_dict(), sched.state_dict()
    assert "optimizer" not in sched_state
    expected = []
    for _ in range(10):
        opt.step()
        sched.step()
        expected.append(sched.get_last_lr())

    new_opt, _ = make_pair()
    new_sched = getattr(ours, name)(new_opt, **kwargs)
    new_opt.load_state_dict(opt_state)
    new_sched.load_state_dict(sched_state)
    resumed = []
    for _ in range(10):
        new_opt.step()
        new_sched.step()
        resumed.append(new_sched.get_last_lr())
    assert resumed == expected


def test_lambda_lr_state_dict_leaves_out_the_functions():
    opt, _ = make_pair()
    sched = ours.LambdaLR(opt, warmup)
    assert "lr_lambdas" not in sched.state_dict()
    assert sched.state_dict()["base_lrs"] == [0.1]


def test_errors_name_the_problem():
    opt, _ = make_pair()
    with pytest.raises(TypeError, match="expects an Optimizer"):
        ours.StepLR("not an optimizer", step_size=1)
    with pytest.raises(KeyError, match="initial_lr"):
        ours.StepLR(opt, step_size=1, last_epoch=5)
    with pytest.raises(ValueError, match="2 lr_lambdas"):
        ours.LambdaLR(make_pair(lrs=(0.1, 0.2))[0], [warmup])
    with pytest.raises(ValueError, match="total_steps, or epochs and steps_per_epoch"):
        ours.OneCycleLR(opt, max_lr=0.1)
    with pytest.raises(ValueError, match="momentum or betas"):
        ours.OneCycleLR(nn.optim.Adagrad([nn.Parameter(tensor.zeros(1))]), max_lr=0.1,
                        total_steps=10)


def test_scheduler_writes_into_the_optimizer_used_by_step():
    p = nn.Parameter(tensor.ones(1))
    opt = nn.optim.SGD([p], lr=1.0)
    sched = ours.ExponentialLR(opt, gamma=0.5)
    for expected_lr in [1.0, 0.5, 0.25]:
        before = float(p.data[0])
        p.grad = tensor.ones(1).data
        opt.step()
        assert before - float(p.data[0]) == pytest.approx(expected_lr)
        sched.step()
    assert math.isclose(sched.get_last_lr()[0], 0.125)
