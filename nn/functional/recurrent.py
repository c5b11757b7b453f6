r"""Recurrent layers as fused ops: `rnn_layer`, `lstm_layer` and `gru_layer` run one layer of
nn.RNN, nn.LSTM or nn.GRU in one direction over a whole batch of sequences, as ONE graph node.

FUSED, for speed. Written with tensor ops (the cells of nn/layers/recurrent.py, called once per
time step) an LSTM layer over T steps is about 15 T nodes: a sequence of 32 steps is ~500 nodes,
each with its own bookkeeping and saved arrays, and backward visits them one by one. Here:

- the input projection x_t W_ih^T + b_ih of every step does not depend on the recurrence, so
  the caller computes it beforehand for all T steps at once, as one F.linear (one matrix
  product of T*B rows), and passes it in as `xw`, of shape (T, B, G) (G = H, 3H or 4H gates;
  nn.RNN and nn.LSTM put b_hh there too, b_ih + b_hh: the two biases are only ever added);
- the op runs the recurrence: per time step ONE matrix product h_{t-1} W_hh^T for all gates at
  once, then the gate arithmetic on arrays, saving what backward needs;
- its backward is backpropagation through time written out in array code: one loop from the
  last step back to the first, carrying dL/dh (and dL/dc), with everything that does not depend
  on the carried gradients (the activations' derivatives) computed for all steps at once
  before the loop, and the weight gradients taken after the loop as one matrix product over
  all steps: dL/dW_hh = sum_t dgates_t^T h_{t-1}, a (G, T*B) @ (T*B, H) product.

The cells stay the readable reference: tests/test_ch09_recurrent.py checks these ops against
them (values and gradients), against PyTorch, and by gradcheck.

The result: the state sequence. Each op returns ONE tensor S of shape (T + 1, B, F), the state
before the first step and after every step (F = H; for the LSTM F = P + H, the row being [h | c],
P the size of h: H, or proj_size). Forward (reverse=False) the layer reads positions 0, 1, ...,
T-1, and S[0] is the initial state, S[t + 1] the state after position t; in reverse it reads
T-1, ..., 0, S[T] is the initial state and S[t] the state after position t. So

    direction   outputs (T, B, F)   final state (B, F)
    forward     S[1:]               S[T]
    reverse     S[:T]               S[0]

all cheap views of S (nn.RNN/LSTM/GRU take them so): one node for the layer, whose backward
receives the gradients of the outputs and of the final state together, as one array.

Variable lengths (`lengths`, one per sequence; from a PackedSequence): sequence b is active at
position t when t < lengths[b]. An inactive sequence's state is carried over unchanged
(S[after t] = S[before t]), so forward its final state S[T] is its state at its true length,
and in reverse its state stays the initial one until the layer reaches its last real position,
lengths[b] - 1, where its reverse run begins: exactly PyTorch's semantics for packed input,
without moving any rows. Backward, a carried state passes its gradient straight through and
the step's gates get none. (Outputs past a sequence's length hold its carried state; a packed
output never reads them.)
"""

from nn.functional._checks import _check_tensor, _same_device


def _check(name, xw, gates, h0):
    """`xw` (T, B, gates * H) and the initial hidden state `h0` (B, P): returns H."""
    _check_tensor(xw, name, "xw")
    _check_tensor(h0, name, "h0")
    _same_device(xw, h0, name, "h0")
    if xw.ndim != 3 or xw.shape[2] % gates or h0.ndim != 2 or h0.shape[0] != xw.shape[1]:
        raise ValueError(f"{name}: expected xw (the input projection) of shape (T, B, "
                         f"{gates} * hidden_size) and h0 of shape (B, *), got xw "
                         f"{tuple(xw.shape)} and h0 {tuple(h0.shape)}")
    return xw.shape[2] // gates


def _check_weights(name, xw, weights):
    """`weights`: (what, tensor or None, expected shape) triples."""
    for what, t, shape in weights:
        if t is None:
            continue
        _check_tensor(t, name, what)
        _same_device(xw, t, name, what)
        if tuple(t.shape) != shape:
            raise ValueError(f"{name}: {what} must have shape {shape} for xw of shape "
                             f"{tuple(xw.shape)}, got {tuple(t.shape)}")


def _steps(steps, reverse):
    """The positions in the order the layer reads them, and the offsets (after, before): the
    state after position t is S[t + after], the state before it S[t + before]."""
    if reverse:
        return range(steps - 1, -1, -1), 0, 1
    return range(steps), 1, 0


def _active(name, xw, lengths):
    """(mask, per_step): mask (T, B, 1), 1 where sequence b is active at position t, else 0
    (None for lengths=None: all active), in xw's dtype on its device; per_step[t] is mask[t],
    or None when every sequence is active at t (t < min(lengths)): nothing to carry."""
    steps, batch = xw.shape[:2]
    if lengths is None:
        return None, [None] * steps
    lengths = [int(n) for n in lengths]
    if len(lengths) != batch or min(lengths, default=1) < 1 or max(lengths, default=0) > steps:
        raise ValueError(f"{name}: lengths {lengths} do not fit a batch of {batch} sequences "
                         f"of at most {steps} steps (each length must be in 1..{steps})")
    xp = xw._backend.xp
    active = xp.arange(steps)[:, None, None] < xw._backend.asarray(lengths)[None, :, None]
    mask = active.astype(xw.dtype)
    shortest = min(lengths, default=steps)
    return mask, [None if t < shortest else mask[t] for t in range(steps)]


def _carry(xp, new, old, active):
    """`new` where the sequence is active (active = None: everywhere), else `old`: a finished
    sequence keeps its state going forward, and passes its gradient straight through going
    backward (its step is the identity)."""
    return new if active is None else xp.where(active > 0, new, old)


def _sigmoid_(xp, a):
    """sigma(a), in place, as (1 + tanh(a / 2)) / 2: the same number as 1 / (1 + e^-a), but
    tanh saturates where e^-a would overflow (to inf, with a warning) for very negative a."""
    a *= 0.5
    xp.tanh(a, out=a)
    a *= 0.5
    a += 0.5


def _parents(*tensors):
    return tuple(t for t in tensors if t is not None)


def rnn_layer(xw, h0, weight_hh, bias_hh=None, lengths=None, reverse=False,
              nonlinearity="tanh"):
    r"""One layer of nn.RNN in one direction: h_t = phi(xw_t + h_{t-1} W_hh^T + b_hh), phi =
    tanh or relu, xw = x W_ih^T + b_ih of shape (T, B, H) computed by the caller, h0 (B, H).
    Returns the state sequence S (T + 1, B, H) (see the module docstring for its layout, the
    direction and `lengths`).

    Backward through time. Write a_t = xw_t + h_{t-1} W_hh^T + b_hh for the pre-activation.
    h_t is read by the output at t (gradient g_t, arriving in S's gradient) and by step t + 1,
    so going backward the gradient carried into step t is

        dh_t = g_t + da_{t+1} W_hh       (dh_{T-1} = g_{T-1}, plus the final state's gradient)

    and through phi, da_t = dh_t * phi'(a_t), with phi' read off the output: 1 - h_t^2 for
    tanh, [h_t > 0] for relu (computed for all t before the loop). Then, after the loop,

        dL/dxw_t = da_t     dL/dW_hh = sum_t da_t^T h_{t-1}     dL/db_hh = sum_t da_t
        dL/dh0 = da_0 W_hh (the gradient carried out of the first step)

    the sum over t of the weight gradient being one (H, T*B) @ (T*B, H) matrix product.
    """
    name = "rnn_layer"
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"{name}: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
    size = _check(name, xw, 1, h0)
    _check_weights(name, xw, [("h0", h0, (xw.shape[1], size)),
                              ("weight_hh", weight_hh, (size, size)),
                              ("bias_hh", bias_hh, (size,))])
    xp = xw._backend.xp
    steps, batch, size = xw.shape
    order, after, before = _steps(steps, reverse)
    mask, active = _active(name, xw, lengths)
    w = weight_hh.array
    pre = xw.array if bias_hh is None else xw.array + bias_hh.array  # xw_t + b_hh, all steps
    S = xp.empty((steps + 1, batch, size), dtype=xw.dtype)
    S[steps if reverse else 0] = h0.array
    for t in order:
        h = S[t + after]
        xp.matmul(S[t + before], w.T, out=h)
        h += pre[t]
        if nonlinearity == "tanh":
            xp.tanh(h, out=h)
        else:
            xp.maximum(h, 0, out=h)
        if active[t] is not None:  # finished sequences keep their state
            h[...] = _carry(xp, h, S[t + before], active[t])
    out = xw._result(S, _parents(xw, h0, weight_hh, bias_hh), f"rnn_{nonlinearity}_layer",
                     saved=(weight_hh,), saves_output=True)

    def backward(g):  # g = dL/dS, (T + 1, B, H)
        outputs = S[after:after + steps]  # h_t at every position t
        previous = S[before:before + steps]  # h_{t-1}: the state each step started from
        slope = 1 - outputs * outputs if nonlinearity == "tanh" else (outputs > 0).astype(S.dtype)
        if mask is not None:
            slope *= mask  # finished sequences' steps: no gradient into a_t
        da = xp.empty_like(outputs)  # dL/da_t for every t
        dh = xp.zeros_like(h0.array)  # nothing comes from beyond the last step
        # EXERCISE ch09.rnn_bptt: t from last to first: da_t = dh_t slope_t, dh_{t-1}; dW_hh, db_hh
        for t in reversed(order):
            dh = dh + g[t + after]  # dL/dh_t: from the output at t and from step t + 1
            xp.multiply(dh, slope[t], out=da[t])  # dL/da_t, through phi
            dh = _carry(xp, da[t] @ w, dh, active[t])  # dL/dh_{t-1}
        rows = (steps * batch, size)
        if weight_hh.requires_grad:
            weight_hh._accumulate(da.reshape(rows).T @ previous.reshape(rows))
        if bias_hh is not None and bias_hh.requires_grad:
            bias_hh._accumulate(da.reshape(rows).sum(axis=0))
        # END EXERCISE
        if xw.requires_grad:
            xw._accumulate(da)
        if h0.requires_grad:
            h0._accumulate(dh + g[steps if reverse else 0])

    out._backward = backward
    return out


def lstm_layer(xw, h0, c0, weight_hh, bias_hh=None, weight_hr=None, lengths=None,
               reverse=False):
    r"""One layer of nn.LSTM in one direction. With xw = x W_ih^T + b_ih of shape (T, B, 4H)
    computed by the caller, gates in PyTorch's order i, f, g, o, and a_t = xw_t + h_{t-1}
    W_hh^T + b_hh (B, 4H) cut into four blocks of H columns:

        i = sigma(a^i)   f = sigma(a^f)   g = tanh(a^g)   o = sigma(a^o)
        c_t = f * c_{t-1} + i * g          m_t = o * tanh(c_t)
        h_t = m_t, or with a projection (weight_hr, proj_size P < H) h_t = m_t W_hr^T

    h0 is (B, P), c0 (B, H) (P = H without projection). Returns the state sequence S of shape
    (T + 1, B, P + H), each row [h | c] (layout, direction and `lengths`: the module
    docstring).

    Backward through time. Going backward, step t receives dh_t (from the output at t, plus
    dh_{t-1}'s share computed by step t + 1) and dc_t (from step t + 1, where c_t was the "old
    cell" of c_{t+1} = f c_t + i g). The step's local derivatives, with dm = dh_t (or dh_t
    W_hr with a projection):

        through m = o tanh(c):   do = dm * tanh(c_t),  and dc_t += dm * o * (1 - tanh(c_t)^2)
        through c = f c' + i g:  di = dc_t * g,  df = dc_t * c_{t-1},  dg = dc_t * i
                                 dc_{t-1} = dc_t * f        (the cell's "gradient highway")
        through the gates:       da^i = di i (1 - i),  da^f = df f (1 - f),  da^g = dg (1 - g^2),
                                 da^o = do o (1 - o)
        into the recurrence:     dh_{t-1} = da_t W_hh      (one (B, 4H) @ (4H, P) product)

    Every factor that does not involve dh or dc is known before the loop, for all steps at
    once: K = [g i(1-i), c_{t-1} f(1-f), i (1-g^2), tanh(c_t) o(1-o)] and o (1 - tanh(c_t)^2),
    so a step is da_t = [dc_t, dc_t, dc_t, dm] * K_t, a product and a few multiplications.
    After the loop, one product each: dL/dW_hh = sum_t da_t^T h_{t-1},
    dL/dW_hr = sum_t dh_t^T m_t, dL/db_hh = sum_t da_t, dL/dxw_t = da_t.
    """
    name = "lstm_layer"
    size = _check(name, xw, 4, h0)
    proj = h0.shape[1]
    _check_weights(name, xw, [("h0", h0, (xw.shape[1], size if weight_hr is None else proj)),
                              ("c0", c0, (xw.shape[1], size)),
                              ("weight_hh", weight_hh, (4 * size, proj)),
                              ("bias_hh", bias_hh, (4 * size,)),
                              ("weight_hr", weight_hr, (proj, size))])
    xp = xw._backend.xp
    steps, batch = xw.shape[:2]
    order, after, before = _steps(steps, reverse)
    mask, active = _active(name, xw, lengths)
    # sigma(a) = (1 + tanh(a / 2)) / 2: with the i, f, o blocks of W_hh and of xw + b_hh
    # halved once here, ONE tanh call per step activates all four gates, then gate = tanh *
    # scale + shift (scale 1/2 and shift 1/2 for i, f, o; 1 and 0 for g)
    scale = xp.asarray([[0.5], [0.5], [1.0], [0.5]], dtype=xw.dtype)  # (4, 1): per gate
    shift = xp.asarray([[0.5], [0.5], [0.0], [0.5]], dtype=xw.dtype)
    w = (weight_hh.array.reshape(4, size, proj) * scale[:, :, None]).reshape(4 * size, proj)
    w_t = xp.ascontiguousarray(w.T)  # (P, 4H): h W^T as a plain product, a little faster
    gates = xw.array.reshape(steps, batch, 4, size) * scale  # step by step, a_t, then i f g o
    if bias_hh is not None:
        gates += bias_hh.array.reshape(4, size) * scale
    S = xp.empty((steps + 1, batch, proj + size), dtype=xw.dtype)
    first = steps if reverse else 0
    S[first, :, :proj] = h0.array
    S[first, :, proj:] = c0.array
    hs, cs = S[:, :, :proj], S[:, :, proj:]  # views: h and c of every state
    tanh_c = xp.empty((steps, batch, size), dtype=xw.dtype)
    m = None if weight_hr is None else xp.empty((steps, batch, size), dtype=xw.dtype)
    recurrent = xp.empty((batch, 4, size), dtype=xw.dtype)  # h_{t-1} W_hh^T, scaled
    ig = xp.empty((batch, size), dtype=xw.dtype)
    for t in order:
        a = gates[t]
        xp.matmul(hs[t + before], w_t, out=recurrent.reshape(batch, 4 * size))
        a += recurrent
        xp.tanh(a, out=a)
        a *= scale
        a += shift  # i, f, g, o
        c = cs[t + after]
        xp.multiply(a[:, 1], cs[t + before], out=c)
        xp.multiply(a[:, 0], a[:, 2], out=ig)
        c += ig  # c_t = f c_{t-1} + i g
        xp.tanh(c, out=tanh_c[t])
        if m is None:
            xp.multiply(a[:, 3], tanh_c[t], out=hs[t + after])  # h_t = o tanh(c_t)
        else:
            xp.multiply(a[:, 3], tanh_c[t], out=m[t])
            xp.matmul(m[t], weight_hr.array.T, out=hs[t + after])
        if active[t] is not None:  # finished sequences keep their state
            S[t + after] = _carry(xp, S[t + after], S[t + before], active[t])
    parents = _parents(xw, h0, c0, weight_hh, bias_hh, weight_hr)
    out = xw._result(S, parents, name, saved=(weight_hh, weight_hr), saves_output=True)

    def backward(grad):  # grad = dL/dS, (T + 1, B, P + H)
        gh, gc = grad[:, :, :proj], grad[:, :, proj:]
        w = weight_hh.array
        # K = the factors of da_t that do not depend on dh, dc, for all steps at once
        K = gates * gates
        xp.subtract(1, K[:, :, 2], out=K[:, :, 2])  # 1 - g^2
        for k in (0, 1, 3):
            xp.subtract(gates[:, :, k], K[:, :, k], out=K[:, :, k])  # s (1 - s) = s - s^2
        K[:, :, 0] *= gates[:, :, 2]  # g i (1 - i)
        K[:, :, 1] *= cs[before:before + steps]  # c_{t-1} f (1 - f)
        K[:, :, 2] *= gates[:, :, 0]  # i (1 - g^2)
        K[:, :, 3] *= tanh_c  # tanh(c_t) o (1 - o)
        K_c = tanh_c * tanh_c
        xp.subtract(1, K_c, out=K_c)
        K_c *= gates[:, :, 3]  # o (1 - tanh(c_t)^2)
        if mask is not None:  # finished sequences' steps: no gradient into their gates
            K *= mask[:, :, None]
            K_c *= mask
        f = gates[:, :, 1]
        da = xp.empty_like(gates)
        dhs = None if m is None else xp.empty((steps, batch, proj), dtype=S.dtype)
        dh = xp.zeros_like(h0.array)
        dc = xp.zeros_like(c0.array)
        for t in reversed(order):
            dh = dh + gh[t + after]  # dL/dh_t
            dc_t = dc + gc[t + after]  # dL/dc_t, so far
            if m is None:
                dm = dh
            else:
                dhs[t] = dh
                dm = dh @ weight_hr.array
            dc_t += dm * K_c[t]  # ... and through h_t = o tanh(c_t)
            xp.multiply(dc_t[:, None], K[t, :, :3], out=da[t, :, :3])
            xp.multiply(dm, K[t, :, 3], out=da[t, :, 3])
            dh = _carry(xp, da[t].reshape(batch, 4 * size) @ w, dh, active[t])
            dc = _carry(xp, dc_t * f[t], dc_t, active[t])
        da = da.reshape(steps, batch, 4 * size)
        rows = da.reshape(steps * batch, 4 * size)
        if weight_hh.requires_grad:
            weight_hh._accumulate(rows.T @ hs[before:before + steps].reshape(steps * batch, proj))
        if bias_hh is not None and bias_hh.requires_grad:
            bias_hh._accumulate(rows.sum(axis=0))
        if weight_hr is not None and weight_hr.requires_grad:
            if mask is not None:  # finished sequences' steps: no gradient into W_hr
                dhs *= mask
            weight_hr._accumulate(dhs.reshape(steps * batch, proj).T
                                  @ m.reshape(steps * batch, size))
        if xw.requires_grad:
            xw._accumulate(da)
        if h0.requires_grad:
            h0._accumulate(dh + gh[first])
        if c0.requires_grad:
            c0._accumulate(dc + gc[first])

    out._backward = backward
    return out


def gru_layer(xw, h0, weight_hh, bias_hh=None, lengths=None, reverse=False):
    r"""One layer of nn.GRU in one direction. With xw = x W_ih^T + b_ih of shape (T, B, 3H)
    computed by the caller, in PyTorch's gate order r, z, n, and u_t = h_{t-1} W_hh^T + b_hh
    (B, 3H), both cut into three blocks of H columns:

        r = sigma(xw^r + u^r)     z = sigma(xw^z + u^z)     n = tanh(xw^n + r * u^n)
        h_t = (1 - z) * n + z * h_{t-1}  =  n + z * (h_{t-1} - n)

    (the reset gate r scales the recurrent part of n only, b_hn included: why the GRU keeps two
    biases, and why u^n is computed apart from xw^n). h0 is (B, H). Returns the state sequence
    S (T + 1, B, H) (layout, direction and `lengths`: the module docstring).

    Backward through time. Step t receives dh_t (from the output at t and from step t + 1):

        dn = dh_t (1 - z)     dz = dh_t (h_{t-1} - n)     and dh_{t-1} gets dh_t z directly
        da^n = dn (1 - n^2)   (a^n the pre-activation of n)
        du^n = da^n r         dr = da^n u^n
        da^r = dr r (1 - r)   da^z = dz z (1 - z)
        dh_{t-1} = dh_t z + [da^r, da^z, du^n] W_hh

    Each of da^r, da^z, du^n, da^n is dh_t times a factor known before the loop, for all steps
    at once: K = [(1-z)(1-n^2) u^n r(1-r), (h_{t-1} - n) z(1-z), (1-z)(1-n^2) r, (1-z)(1-n^2)].
    After the loop: dL/dxw_t = [da^r, da^z, da^n], dL/dW_hh = sum_t [da^r, da^z, du^n]^T
    h_{t-1} (one product), dL/db_hh = sum_t [da^r, da^z, du^n].
    """
    name = "gru_layer"
    size = _check(name, xw, 3, h0)
    _check_weights(name, xw, [("h0", h0, (xw.shape[1], size)),
                              ("weight_hh", weight_hh, (3 * size, size)),
                              ("bias_hh", bias_hh, (3 * size,))])
    xp = xw._backend.xp
    steps, batch = xw.shape[:2]
    order, after, before = _steps(steps, reverse)
    mask, active = _active(name, xw, lengths)
    w = weight_hh.array
    x = xw.array.reshape(steps, batch, 3, size)
    S = xp.empty((steps + 1, batch, size), dtype=xw.dtype)
    first = steps if reverse else 0
    S[first] = h0.array
    saved = xp.empty((steps, batch, 4, size), dtype=xw.dtype)  # r, z, u^n, n at every step
    for t in order:
        a = saved[t]
        xp.matmul(S[t + before], w.T, out=a[:, :3].reshape(batch, 3 * size))
        if bias_hh is not None:
            a[:, :3] += bias_hh.array.reshape(3, size)
        a[:, :2] += x[t, :, :2]
        _sigmoid_(xp, a[:, :2])  # r, z
        n = a[:, 3]
        xp.multiply(a[:, 0], a[:, 2], out=n)
        n += x[t, :, 2]
        xp.tanh(n, out=n)
        h = S[t + after]
        xp.subtract(S[t + before], n, out=h)
        h *= a[:, 1]
        h += n  # h_t = n + z (h_{t-1} - n)
        if active[t] is not None:  # finished sequences keep their state
            h[...] = _carry(xp, h, S[t + before], active[t])
    out = xw._result(S, _parents(xw, h0, weight_hh, bias_hh), name, saved=(weight_hh,),
                     saves_output=True)

    def backward(grad):  # grad = dL/dS, (T + 1, B, H)
        r, z, un, n = (saved[:, :, k] for k in range(4))
        previous = S[before:before + steps]
        K = xp.empty_like(saved)
        xp.multiply(1 - z, 1 - n * n, out=K[:, :, 3])  # da^n / dh_t
        xp.multiply(K[:, :, 3], un * r * (1 - r), out=K[:, :, 0])  # da^r / dh_t
        xp.multiply(previous - n, z * (1 - z), out=K[:, :, 1])  # da^z / dh_t
        xp.multiply(K[:, :, 3], r, out=K[:, :, 2])  # du^n / dh_t
        if mask is not None:  # finished sequences' steps: no gradient into their gates
            K *= mask[:, :, None]
        da = xp.empty_like(saved)  # [da^r, da^z, du^n, da^n] at every step
        dh = xp.zeros_like(h0.array)
        for t in reversed(order):
            dh = dh + grad[t + after]  # dL/dh_t
            xp.multiply(dh[:, None], K[t], out=da[t])
            dh = _carry(xp, dh * z[t] + da[t, :, :3].reshape(batch, 3 * size) @ w, dh,
                        active[t])
        recurrent = da[:, :, :3].reshape(steps * batch, 3 * size)  # [da^r, da^z, du^n] rows
        if weight_hh.requires_grad:
            weight_hh._accumulate(recurrent.T @ previous.reshape(steps * batch, size))
        if bias_hh is not None and bias_hh.requires_grad:
            bias_hh._accumulate(recurrent.sum(axis=0))
        if xw.requires_grad:
            dxw = xp.concatenate((da[:, :, :2], da[:, :, 3:]), axis=2)  # [da^r, da^z, da^n]
            xw._accumulate(dxw.reshape(steps, batch, 3 * size))
        if h0.requires_grad:
            h0._accumulate(dh + grad[first])

    out._backward = backward
    return out
