"""Chapter 01: the derivative, measured numerically (engine/calculus.py)."""

import math

import pytest

from engine.calculus import derivative, forward_derivative, gradient, partial_derivative


@pytest.mark.parametrize(
    "f, df, x",
    [
        (lambda x: 3 * x**2 - 4 * x + 5, lambda x: 6 * x - 4, 3.0),
        (lambda x: x**5, lambda x: 5 * x**4, -1.5),
        (math.exp, math.exp, 0.7),
        (math.sin, math.cos, 2.0),
        (math.log, lambda x: 1 / x, 0.3),
        (math.tanh, lambda x: 1 - math.tanh(x) ** 2, -0.4),
    ],
    ids=["quadratic", "x^5", "exp", "sin", "log", "tanh"],
)
def test_derivative_of_known_functions(f, df, x):
    assert derivative(f, x) == pytest.approx(df(x), rel=1e-8, abs=1e-8)


def test_derivative_of_a_composite_matches_the_chain_rule_by_hand():
    # f(x) = sin(x^2) * exp(-x): (uv)' = u'v + uv' with u' = cos(x^2) * 2x (chain rule)
    def f(x):
        return math.sin(x**2) * math.exp(-x)

    def df(x):
        return math.cos(x**2) * 2 * x * math.exp(-x) - math.sin(x**2) * math.exp(-x)

    for x in (-1.3, 0.2, 0.9, 2.4):
        assert derivative(f, x) == pytest.approx(df(x), rel=1e-8, abs=1e-9)


@pytest.mark.exercise("ch01.central_difference")
def test_derivative_is_the_central_difference():
    # on a parabola the central difference is exact up to round-off, whatever h is
    assert derivative(lambda x: x * x, 3.0, h=0.5) == pytest.approx(6.0, rel=1e-15)
    assert derivative(lambda x: x**3, 1.0, h=0.1) == pytest.approx(3.0 + 0.1**2, rel=1e-12)


@pytest.mark.exercise("ch01.central_difference")
def test_central_error_shrinks_like_h_squared_forward_like_h():
    x, exact = 1.0, math.exp(1.0)
    hs = [1e-1, 1e-2, 1e-3]
    central = [abs(derivative(math.exp, x, h) - exact) for h in hs]
    forward = [abs(forward_derivative(math.exp, x, h) - exact) for h in hs]
    for i in range(len(hs) - 1):
        # dividing h by 10: central error / 100 (O(h^2)), forward error / 10 (O(h))
        assert 90 < central[i] / central[i + 1] < 110
        assert 9 < forward[i] / forward[i + 1] < 11
    # leading error terms: central h^2/6 f''', forward h/2 f''
    assert central[0] == pytest.approx(hs[0] ** 2 / 6 * exact, rel=0.01)
    assert forward[0] == pytest.approx(hs[0] / 2 * exact, rel=0.05)


def test_round_off_makes_a_tiny_step_worse():
    exact = math.cos(1.0)
    good = abs(derivative(math.sin, 1.0, h=1e-5) - exact)
    tiny = abs(derivative(math.sin, 1.0, h=1e-13) - exact)
    assert good < 1e-9
    assert tiny > 100 * good


def test_partial_derivatives_and_gradient():
    def f(a, b, c):
        return a * b + c**2 * math.sin(a)

    args = (0.5, -2.0, 1.5)
    a, b, c = args
    expected = [b + c**2 * math.cos(a), a, 2 * c * math.sin(a)]
    for i in range(3):
        assert partial_derivative(f, args, i) == pytest.approx(expected[i], rel=1e-8)
    assert gradient(f, args) == pytest.approx(expected, rel=1e-8)


def test_partial_derivative_index_out_of_range():
    with pytest.raises(IndexError, match="index 3 out of range for 3 args"):
        partial_derivative(lambda a, b, c: a, (1.0, 2.0, 3.0), 3)
