"""Comparisons `== != < <= > >=`: elementwise, broadcasting, bool results.

A comparison is a step function of its inputs: its derivative is 0 wherever it exists, so its
result is never part of the graph (no parents, no backward step). Comparing with something that
is neither a Tensor nor a number returns NotImplemented, which lets Python answer `t == None`
with False, as for any object.
"""


def _compare(self, other, op, compute):
    try:
        a, b = self._pair(other, op)
    except TypeError:
        return NotImplemented
    return a._result(compute(a.array, b.array), (), op)


def eq(self, other):
    return _compare(self, other, "==", lambda x, y: x == y)


def ne(self, other):
    return _compare(self, other, "!=", lambda x, y: x != y)


def lt(self, other):
    return _compare(self, other, "<", lambda x, y: x < y)


def le(self, other):
    return _compare(self, other, "<=", lambda x, y: x <= y)


def gt(self, other):
    return _compare(self, other, ">", lambda x, y: x > y)


def ge(self, other):
    return _compare(self, other, ">=", lambda x, y: x >= y)


# ---- logic: `& | ^ ~` on bool tensors (bitwise on integer ones), as in PyTorch ----------------
# These combine masks, `(x > 0) & (x < 1)`, so like comparisons they have no gradient.


def _bitwise(self, other, op, compute):
    try:
        a, b = self._pair(other, op)
    except TypeError:
        return NotImplemented
    _require_integral(a, op)
    return a._result(compute(a.array, b.array), (), op)


def _require_integral(t, op):
    if t.array.dtype.kind not in "biu":
        raise TypeError(f"'{op}' needs bool or integer tensors, got dtype {t.dtype}; compare "
                        "first to get a bool mask, e.g. (x > 0) & (x < 1)")


def bitwise_and(self, other):
    return _bitwise(self, other, "&", lambda x, y: x & y)


def bitwise_or(self, other):
    return _bitwise(self, other, "|", lambda x, y: x | y)


def bitwise_xor(self, other):
    return _bitwise(self, other, "^", lambda x, y: x ^ y)


def bitwise_not(self):
    """~t: logical not of a bool tensor, bitwise not of an integer one."""
    _require_integral(self, "~")
    return self._result(~self.array, (), "~")


# ---- logic on the truth of each element (nonzero is true), for tensors of any dtype ----------


def logical_and(self, other):
    return _compare(self, other, "logical_and", lambda x, y: (x != 0) & (y != 0))


def logical_or(self, other):
    return _compare(self, other, "logical_or", lambda x, y: (x != 0) | (y != 0))


def logical_xor(self, other):
    return _compare(self, other, "logical_xor", lambda x, y: (x != 0) ^ (y != 0))


def logical_not(self):
    """True where the element is 0 (or False): a bool tensor."""
    return self._result(self.array == 0, (), "logical_not")
