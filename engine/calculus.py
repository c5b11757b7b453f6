"""The derivative, measured numerically (chapter 01).

f'(x) is the slope of f at x: how much f(x) moves per unit move of x, in the limit of a tiny
move. A computer cannot take the limit, but it can take a small step h and measure the slope,
which is how we will later check every gradient that backpropagation computes.
"""


def derivative(f, x, h=1e-6):
    """f'(x) by central differences: (f(x + h) - f(x - h)) / (2h).

    Why central and not forward, (f(x + h) - f(x)) / h? Taylor's theorem gives
        f(x + h) = f(x) + h f'(x) + h^2/2 f''(x) + h^3/6 f'''(x) + ...
    so the forward difference is f'(x) + h/2 f''(x) + ...: its error shrinks like h, O(h).
    Subtracting f(x - h) = f(x) - h f'(x) + h^2/2 f''(x) - ... cancels the h^2 term, so the
    central difference is f'(x) + h^2/6 f'''(x) + ...: its error shrinks like h^2, O(h^2).
    Dividing h by 10 makes the forward error 10 times smaller, the central one 100 times.

    Why not make h tiny, then? Floats carry about 16 significant digits (machine epsilon
    eps ~ 2.2e-16), so f(x + h) - f(x - h) loses digits as h shrinks: the round-off error of
    the quotient grows like eps * |f(x)| / h. Truncation error ~h^2 and round-off ~eps/h balance
    near h ~ eps^(1/3) ~ 1e-5 (for forward differences near sqrt(eps) ~ 1e-8), where the
    result is good to about 10 digits. The default h = 1e-6 sits close to that sweet spot for
    functions of moderate size and curvature.
    """
    # EXERCISE ch01.central_difference: return the central difference (f(x + h) - f(x - h)) / (2h)
    return (f(x + h) - f(x - h)) / (2 * h)
    # END EXERCISE


def forward_derivative(f, x, h=1e-6):
    """f'(x) by forward differences, (f(x + h) - f(x)) / h: error O(h). Here to be compared
    with `derivative` (central, error O(h^2)); prefer `derivative`."""
    return (f(x + h) - f(x)) / h


def partial_derivative(f, args, i, h=1e-6):
    """d f(*args) / d args[i]: the derivative in the i-th argument, the others held fixed.

    It is the ordinary derivative of the one-variable function t -> f(args with args[i] = t),
    so it reuses `derivative`.
    """
    args = list(args)
    if not 0 <= i < len(args):
        raise IndexError(
            f"partial_derivative: argument index {i} out of range for {len(args)} args"
        )

    def along_i(t):
        return f(*args[:i], t, *args[i + 1 :])

    return derivative(along_i, args[i], h)


def gradient(f, args, h=1e-6):
    """The gradient of f at args: the list of all partial derivatives [df/dargs[0], ...]."""
    return [partial_derivative(f, args, i, h) for i in range(len(args))]
