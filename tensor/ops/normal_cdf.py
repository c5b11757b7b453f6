"""Phi(x) = P(Z <= x) for a standard normal Z, on any backend: exact GELU needs it.

Phi(x) = (1 + erf(x / sqrt 2)) / 2, but NumPy has no erf (CuPy has one in cupyx.scipy.special,
SciPy is not a dependency). So we compute it from a few array ops that every backend has.

For the lower tail, Phi(-|x|) = erfc(z) / 2 with z = |x| / sqrt 2, and erfc(z) = exp(-z**2) *
erfcx(z), where erfcx, the *scaled* complementary error function, is smooth and slowly
varying on [0, inf): it falls from 1 at z = 0 like 1 / (z sqrt(pi)). Substituting
t = (z - K) / (z + K), which maps [0, inf) onto [-1, 1), makes it a function of t that a short
Chebyshev series sum_n c_n T_n(t) approximates to double precision. The upper tail is
Phi(|x|) = 1 - Phi(-|x|).

The coefficients were computed for this file with mpmath (50 digits): c_n = (2 / N) sum_j
f(t_j) cos(n pi (j + 1/2) / N) at the N = 40 Chebyshev nodes t_j = cos(pi (j + 1/2) / N),
f = erfcx(K (1 + t) / (1 - t)), c_0 halved. They fall below 1e-17 after the 24 kept here;
float32 inputs use only those larger than 1e-9 (their sum differs by less than float32 can
show). The series is summed with Clenshaw's recurrence.
"""

import math

K = 3.75
COEFFICIENTS = (
    3.0507154096160021e-1, -4.3484127271257747e-1, 1.763511936436055e-1,
    -6.0710795609249415e-2, 1.7712068995694114e-2, -4.3211193855672938e-3,
    8.5421667688709868e-4, -1.2715509060916274e-4, 1.1248167243671189e-5,
    3.1306388542182097e-7, -2.7098806853776202e-7, 3.0737622701407688e-8,
    2.5156203848176229e-9, -1.0289299213203191e-9, 2.9944052119949939e-11,
    2.6051789687266936e-11, -2.6348399241719694e-12, -6.4340450989063644e-13,
    1.1245740180166345e-13, 1.7281533389986098e-14, -4.2641016949423751e-15,
    -5.453719778801906e-16, 1.5869760776167123e-16, 2.0899837844334043e-17,
)
_FLOAT32_TERMS = 13  # the coefficients larger than 1e-9


def _erfcx(xp, z):
    """exp(z**2) erfc(z) for z >= 0, by the Chebyshev series in t = (z - K) / (z + K).

    Clenshaw's recurrence b_n = c_n + 2t b_(n+1) - b_(n+2) runs in place in three arrays (the
    products into a work array, each b_(n+2) overwritten by b_n): written naively it allocates
    three large temporaries per term, which made GELU on a Transformer's feed-forward layer
    several times slower than the matrix products around it.
    """
    terms = COEFFICIENTS if z.dtype.itemsize >= 8 else COEFFICIENTS[:_FLOAT32_TERMS]
    t = z - K
    t /= z + K
    two_t = t + t
    b1, b2, work = xp.zeros_like(t), xp.zeros_like(t), xp.empty_like(t)
    for c in reversed(terms[1:]):
        xp.multiply(two_t, b1, out=work)
        work -= b2
        work += c
        b1, b2, work = work, b1, b2
    t *= b1
    t -= b2
    t += terms[0]
    return t


def normal_cdf(xp, x):
    """Phi(x), elementwise, for a float array x (see the module docstring)."""
    z = xp.minimum(xp.abs(x), 40)  # Phi(-40) is 0 in float64
    z *= 1 / math.sqrt(2)
    lower = xp.exp(-(z * z))
    lower *= _erfcx(xp, z)
    lower *= 0.5  # Phi(-|x|)
    return xp.where(x < 0, lower, 1 - lower)


def normal_pdf(xp, x):
    """phi(x) = exp(-x**2 / 2) / sqrt(2 pi), the derivative of Phi."""
    pdf = xp.exp(-0.5 * (x * x))
    pdf *= 1 / math.sqrt(2 * math.pi)
    return pdf
