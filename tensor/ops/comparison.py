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
    return a._result(compute(a.data, b.data), (), op)


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
