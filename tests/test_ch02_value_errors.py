"""Chapter 02: bad input gets an error that says what was given and what was expected."""

import operator

import pytest

from engine.value import Value, linear

OPERATORS = [
    ("+", operator.add),
    ("-", operator.sub),
    ("*", operator.mul),
    ("/", operator.truediv),
    ("**", operator.pow),
]


@pytest.mark.parametrize("symbol, op", OPERATORS, ids=[s for s, _ in OPERATORS])
@pytest.mark.parametrize("bad", ["a", None, [1.0]], ids=["str", "None", "list"])
def test_unsupported_operand_types_name_both_types(symbol, op, bad):
    kind = type(bad).__name__
    with pytest.raises(TypeError) as left:
        op(Value(2.0), bad)
    assert str(left.value) == f"unsupported operand type(s) for {symbol}: 'Value' and '{kind}'"
    with pytest.raises(TypeError) as right:
        op(bad, Value(2.0))
    assert str(right.value) == f"unsupported operand type(s) for {symbol}: '{kind}' and 'Value'"


@pytest.mark.parametrize("bad", ["2.0", None, [2.0], Value(1.0)])
def test_value_of_a_non_number(bad):
    with pytest.raises(TypeError, match="expects a real number .* got " + type(bad).__name__):
        Value(bad)


@pytest.mark.parametrize("x", [0.0, -1.5])
def test_log_of_a_non_positive_number(x):
    with pytest.raises(ValueError, match=f"log .*positive.* got {x}"):
        Value(x).log()


@pytest.mark.parametrize(
    "compute",
    [
        lambda: Value(0.0) ** -1,
        lambda: Value(0.0) ** -0.5,
        lambda: Value(0.0) ** Value(-2.0),
        lambda: 1 / Value(0.0),
        lambda: Value(1.0) / Value(0.0),
    ],
    ids=["number-exponent", "fractional", "value-exponent", "rdiv", "div"],
)
def test_zero_to_a_negative_power(compute):
    with pytest.raises(ValueError, match=r"\*\*: 0 \*\* negative .* got 0\.0 \*\* -"):
        compute()


def test_division_by_the_number_zero():
    with pytest.raises(ValueError, match=r"/: division of Value\(data=1\.0, grad=0\.0\) by zero"):
        Value(1.0) / 0


def test_negative_base_to_a_fractional_power():
    with pytest.raises(ValueError, match=r"negative base .* got -8\.0 \*\* 0\.5"):
        Value(-8.0) ** 0.5
    assert (Value(-2.0) ** 3).data == -8.0  # integer powers of negatives are fine


def test_gradient_in_the_exponent_of_a_negative_base():
    base, exponent = Value(-2.0), Value(2.0)
    out = base**exponent
    assert out.data == 4.0
    with pytest.raises(ValueError, match=r"ln\(a\) needs a base a >= 0, got a = -2\.0"):
        out.backward()


def test_exp_overflow():
    with pytest.raises(OverflowError, match=r"exp\(1000\.0\)"):
        Value(1000.0).exp()


def test_linear_with_more_weights_than_inputs():
    with pytest.raises(ValueError, match="as many weights as inputs, got 3 and 2"):
        linear([Value(1.0), Value(2.0)], [1.0, 2.0, 3.0])
