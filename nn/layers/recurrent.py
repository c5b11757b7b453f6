r"""Recurrent layers: the cells `RNNCell`, `LSTMCell`, `GRUCell` (one time step) and the
sequence layers `RNN`, `LSTM`, `GRU` (whole sequences, stacked layers, both directions).

A recurrent network reads a sequence x_0, x_1, ..., x_{T-1} one step at a time, carrying a
hidden state h_t that summarizes what it has read so far: h_t = cell(x_t, h_{t-1}), with the
SAME weights at every step (so it handles any length, and what it learns at one position
applies at all of them).

- RNN (Elman): h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh). Backward, the gradient
  reaching h_0 from h_T has been multiplied T times by W_hh^T diag(1 - h_t^2): it shrinks (or
  grows) geometrically, the vanishing (exploding) gradient problem, so plain RNNs learn little
  about distant steps.
- LSTM: a cell state c_t updated additively, c_t = f * c_{t-1} + i * g, under gates i (input),
  f (forget), o (output) in (0, 1). Backward, dc_{t-1} = dc_t * f: no squashing, no weight
  matrix, a "gradient highway" that lets gradients survive many steps while f stays near 1.
- GRU: two gates, r (reset) and z (update), and no separate cell: h_t is a gated average of
  the old state and a candidate n, h_t = (1 - z) * n + z * h_{t-1}.

The cells are plain compositions of tensor ops (F.linear, chunk, sigmoid, tanh, *, +): read
LSTMCell.forward as the LSTM's definition, and draw its graph. The sequence layers compute
the same functions, but fused for speed: per layer and direction, the input projection of all
time steps is one matrix product (F.linear), and the whole recurrence is one op with its
backward through time written out (nn/functional/recurrent.py). Names, arguments, gate order
(LSTM: i, f, g, o; GRU: r, z, n), parameter names, shapes and initialization are PyTorch's,
so PyTorch weights load and give the same outputs.
"""

import math
import numbers

import numpy

import nn.functional as F
import tensor
from nn import init
from nn.functional.recurrent import gru_layer, lstm_layer, rnn_layer
from nn.module import Module
from nn.parameter import Parameter
from nn.utils.rnn import PackedSequence, _gather_rows, pad_packed_sequence
from tensor import Tensor


def _check_size(layer, name, value, low=1):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < low:
        raise ValueError(f"{layer}: {name} must be a whole number >= {low}, got {value!r}")


def _check_nonlinearity(layer, nonlinearity):
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"{layer}: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")


def _shape(t):
    return tuple(t.shape)


def _check_state(module, what, state, input, expected):
    """A given initial state: a Tensor of shape `expected`, on input's device and dtype."""
    if not isinstance(state, Tensor):
        raise TypeError(f"{module!r} expected {what} to be a Tensor, got {type(state).__name__}")
    if state.device != input.device:
        raise RuntimeError(f"{module!r} got input on {input.device} but {what} on "
                           f"{state.device}; move one with .to(device) first")
    if _shape(state) != expected:
        raise ValueError(f"{module!r} expected {what} of shape {expected} for input of shape "
                         f"{_shape(input)}, got {_shape(state)}")
    if state.dtype != input.dtype:
        raise ValueError(f"{module!r} expected {what} of dtype {input.dtype} (the input's), got "
                         f"{state.dtype}")


# ---- cells: one time step, plain tensor ops -------------------------------------------------

class _CellBase(Module):
    """weight_ih (gates * H, input_size), weight_hh (gates * H, H), bias_ih and bias_hh
    (gates * H,), all uniform in [-1/sqrt(H), 1/sqrt(H)] (PyTorch's initialization)."""

    gates = 1

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__()
        layer = type(self).__name__
        _check_size(layer, "input_size", input_size, low=0)
        _check_size(layer, "hidden_size", hidden_size, low=0)
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        options = dict(device=device, dtype=dtype)
        size = self.gates * hidden_size
        self.weight_ih = Parameter(tensor.empty((size, input_size), **options))
        self.weight_hh = Parameter(tensor.empty((size, hidden_size), **options))
        if bias:
            self.bias_ih = Parameter(tensor.empty((size,), **options))
            self.bias_hh = Parameter(tensor.empty((size,), **options))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        """Draw new initial weights: uniform in [-1/sqrt(hidden_size), 1/sqrt(hidden_size)]."""
        bound = 1 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def _states(self, input, hx, names):
        """Check the input, (N, input_size) or unbatched (input_size,), and the states `hx`
        (one Tensor, or a tuple for several `names`; None for zeros): returns the states."""
        if not isinstance(input, Tensor):
            raise TypeError(f"{self!r} expected input to be a Tensor, got "
                            f"{type(input).__name__}")
        if input.ndim not in (1, 2) or input.shape[-1] != self.input_size:
            raise ValueError(f"{self!r} expected input of shape (N, {self.input_size}) or "
                             f"({self.input_size},), got {_shape(input)}")
        if input.dtype != self.weight_ih.dtype:
            raise ValueError(f"{self!r} expected input of dtype {self.weight_ih.dtype} (its "
                             f"weights'), got {input.dtype}; convert one with .to(dtype)")
        expected = _shape(input)[:-1] + (self.hidden_size,)
        if hx is None:
            zeros = tensor.zeros(expected, dtype=input.dtype, device=input.device)
            return (zeros,) * len(names)
        states = hx if len(names) > 1 else (hx,)
        if not isinstance(states, (tuple, list)) or len(states) != len(names):
            raise TypeError(f"{self!r} expected hx = ({', '.join(names)}), a tuple of "
                            f"{len(names)} Tensors, got {type(hx).__name__}")
        for what, state in zip(names, states):
            _check_state(self, what, state, input, expected)
        return tuple(states)

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            text += f", nonlinearity={self.nonlinearity}"
        return text


class RNNCell(_CellBase):
    r"""An Elman RNN cell, one time step: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu
    with nonlinearity="relu").

    input (N, input_size) or unbatched (input_size,); hx (N, hidden_size) or (hidden_size,),
    zeros if not given. Returns h' of hx's shape."""

    gates = 1

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        _check_nonlinearity("RNNCell", nonlinearity)
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, device, dtype)

    def forward(self, input, hx=None):
        (h,) = self._states(input, hx, ("hx",))
        a = F.linear(input, self.weight_ih, self.bias_ih) + F.linear(h, self.weight_hh,
                                                                       self.bias_hh)
        return a.tanh() if self.nonlinearity == "tanh" else a.relu()


class LSTMCell(_CellBase):
    r"""A long short-term memory cell, one time step. From the input x and the state (h, c):

        i, f, g, o = chunks of x W_ih^T + b_ih + h W_hh^T + b_hh      (4 blocks of H columns)
        i, f, o = sigmoid(i), sigmoid(f), sigmoid(o);  g = tanh(g)
        c' = f * c + i * g        h' = o * tanh(c')

    f decides how much of the old cell state to keep, i how much of the candidate g to write,
    o how much of the cell to show as h'. input (N, input_size) or (input_size,); hx = (h, c),
    each (N, hidden_size) or (hidden_size,), zeros if not given. Returns (h', c')."""

    gates = 4

    def forward(self, input, hx=None):
        h, c = self._states(input, hx, ("h", "c"))
        gates = F.linear(input, self.weight_ih, self.bias_ih) + F.linear(h, self.weight_hh,
                                                                           self.bias_hh)
        # EXERCISE ch09.lstm_cell: cut gates into i, f, g, o; c = f c + i g; h = o tanh(c)
        i, f, g, o = gates.chunk(4, dim=-1)
        c = f.sigmoid() * c + i.sigmoid() * g.tanh()
        h = o.sigmoid() * c.tanh()
        # END EXERCISE
        return h, c


class GRUCell(_CellBase):
    r"""A gated recurrent unit, one time step. From the input x and the state h:

        r, z, n_x = chunks of x W_ih^T + b_ih;   u_r, u_z, u_n = chunks of h W_hh^T + b_hh
        r = sigmoid(r + u_r)    z = sigmoid(z + u_z)    n = tanh(n_x + r * u_n)
        h' = (1 - z) * n + z * h

    z decides how much of the old state to keep; r how much of it the candidate n may see.
    input (N, input_size) or (input_size,); hx (N, hidden_size) or (hidden_size,), zeros if
    not given. Returns h'."""

    gates = 3

    def forward(self, input, hx=None):
        (h,) = self._states(input, hx, ("hx",))
        x_r, x_z, x_n = F.linear(input, self.weight_ih, self.bias_ih).chunk(3, dim=-1)
        u_r, u_z, u_n = F.linear(h, self.weight_hh, self.bias_hh).chunk(3, dim=-1)
        r = (x_r + u_r).sigmoid()
        z = (x_z + u_z).sigmoid()
        n = (x_n + r * u_n).tanh()
        return (1 - z) * n + z * h


# ---- sequence layers: one fused op per layer and direction ----------------------------------

class _RNNBase(Module):
    r"""What RNN, LSTM and GRU share: the stacked, optionally bidirectional layers, their
    parameters, and forward.

    Layer k (k = 0 .. num_layers - 1) of direction d (d = 1: `_reverse`, reading the sequence
    backward) has weight_ih_l{k} (gates * H, input size of the layer: input_size for k = 0,
    else num_directions * P), weight_hh_l{k} (gates * H, P), bias_ih_l{k} and bias_hh_l{k}
    (gates * H,), and for an LSTM with proj_size > 0, weight_hr_l{k} (P, H); P = proj_size or
    H = hidden_size. Registered in PyTorch's order (layer by layer, forward direction first),
    so `state_dict()` keys and `parameters()` are PyTorch's; all uniform in [-1/sqrt(H),
    1/sqrt(H)].

    input: (L, N, input_size) (time first), (N, L, input_size) with batch_first=True, an
    unbatched (L, input_size), or a PackedSequence (nn.utils.rnn). Returns (output, h_n):
    output (L, N, D * P) (or (N, L, ...), or (L, D * P), or a PackedSequence like the input),
    the last layer's state at every step, both directions side by side; h_n (num_layers * D,
    N, P), every layer's and direction's final state (for a packed input, at each sequence's
    true length). D = 2 if bidirectional else 1. Dropout (training only) is applied to each
    layer's output except the last's (so with num_layers=1 it does nothing; PyTorch warns about
    that, Grad School does not).

    How: per layer and direction, the input projection of all L steps is one F.linear, and the
    recurrence one fused op (nn/functional/recurrent.py) that returns the state sequence; the
    layer's outputs and final state are views of it. The reverse direction is the same op
    reading positions L-1 .. 0. A PackedSequence is padded (pad_packed_sequence), run with its
    lengths (a finished sequence carries its state), and the output gathered back into the
    input's packed order; all of it in the caller's batch order, so hx and h_n need none of
    PyTorch's permutations by sorted_indices.
    """

    gates = 1
    states = ("h_0",)
    biases_add = True  # b_ih and b_hh are only ever added: the input projection takes the sum

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        layer = type(self).__name__
        _check_size(layer, "input_size", input_size)
        _check_size(layer, "hidden_size", hidden_size)
        _check_size(layer, "num_layers", num_layers)
        _check_size(layer, "proj_size", proj_size, low=0)
        if proj_size >= hidden_size:
            raise ValueError(f"{layer}: proj_size must be smaller than hidden_size "
                             f"({hidden_size}), got {proj_size}")
        if (not isinstance(dropout, numbers.Real) or isinstance(dropout, bool)
                or not 0 <= dropout <= 1):
            raise ValueError(f"{layer}: dropout must be a probability in [0, 1], got "
                             f"{dropout!r}")
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        directions = 2 if bidirectional else 1
        out_size = proj_size or hidden_size
        gate_size = self.gates * hidden_size
        options = dict(device=device, dtype=dtype)
        self._all_weights = []
        for k in range(num_layers):
            for direction in range(directions):
                suffix = f"_l{k}" + ("_reverse" if direction else "")
                shapes = [("weight_ih", (gate_size, input_size if k == 0 else
                                         directions * out_size)),
                          ("weight_hh", (gate_size, out_size))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                for name, shape in shapes:
                    setattr(self, name + suffix, Parameter(tensor.empty(shape, **options)))
                self._all_weights.append([name + suffix for name, _ in shapes])
        self.reset_parameters()

    def reset_parameters(self):
        """Draw new initial weights: uniform in [-1/sqrt(hidden_size), 1/sqrt(hidden_size)]."""
        bound = 1 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    @property
    def all_weights(self):
        """The parameters, one list per layer and direction (PyTorch's `all_weights`)."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def flatten_parameters(self):
        """Does nothing. (PyTorch packs the weights into one buffer for cuDNN here; there is no
        cuDNN in Grad School, and calling it is harmless.)"""

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            text += f", proj_size={self.proj_size}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            text += f", nonlinearity={self.nonlinearity}"
        for option, default in (("num_layers", 1), ("bias", True), ("batch_first", False),
                                ("dropout", 0), ("bidirectional", False)):
            if getattr(self, option) != default:
                text += f", {option}={getattr(self, option)}"
        return text

    # ---- forward --------------------------------------------------------------------------

    def forward(self, input, hx=None):
        packed = isinstance(input, PackedSequence)
        x, lengths, batched = self._sequence(input)
        state_sizes = self._state_sizes()
        batch = x.shape[1]
        states = self._initial_states(hx, input.data if packed else input, batched, batch)
        directions = 2 if self.bidirectional else 1
        finals = [[] for _ in state_sizes]
        for k in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                index = k * directions + direction
                names = self._all_weights[index]
                weights = {name.split("_l")[0]: getattr(self, name) for name in names}
                initial = [tensor.zeros((batch, size), dtype=x.dtype, device=x.device)
                           if s is None else s[index] for s, size in zip(states, state_sizes)]
                bias_ih, bias_hh = weights.get("bias_ih"), weights.get("bias_hh")
                if bias_ih is not None and self.biases_add:
                    bias_ih, bias_hh = bias_ih + bias_hh, None
                # the input projection of all steps: ONE product, of T*N rows
                xw = F.linear(x, weights["weight_ih"], bias_ih)
                out, final = self._layer(xw, initial, weights, bias_hh, lengths,
                                         bool(direction))
                outputs.append(out)
                for kept, state in zip(finals, final):
                    kept.append(state)
            x = outputs[0] if directions == 1 else tensor.cat(outputs, dim=2)
            if self.dropout and self.training and k < self.num_layers - 1:
                x = F.dropout(x, self.dropout, training=True)
        finals = [tensor.stack(kept) for kept in finals]
        if packed:
            output = PackedSequence(_pack_like(x, input), input.batch_sizes,
                                    input.sorted_indices, input.unsorted_indices)
        elif not batched:
            output, finals = x[:, 0], [state[:, 0] for state in finals]
        else:
            output = x.transpose(0, 1) if self.batch_first else x
        return output, (tuple(finals) if len(finals) > 1 else finals[0])

    def _state_sizes(self):
        return (self.proj_size or self.hidden_size,)

    def _sequence(self, input):
        """The input as a time-major (T, N, input_size) tensor, the lengths of its sequences
        (None: all T), and whether it was batched."""
        features = f"{self.input_size}"
        if isinstance(input, PackedSequence):
            data = input.data
            if not isinstance(data, Tensor) or data.ndim != 2 or data.shape[1] != self.input_size:
                raise ValueError(f"{self!r} expected a PackedSequence of data shaped (*, "
                                 f"{features}), got {_shape(data)}")
            self._check_dtype_device(data)
            x, lengths = pad_packed_sequence(input)
            return x, lengths.tolist(), True
        if not isinstance(input, Tensor):
            raise TypeError(f"{self!r} expected input to be a Tensor or a PackedSequence, got "
                            f"{type(input).__name__}")
        if input.ndim not in (2, 3) or input.shape[-1] != self.input_size:
            layout = "(N, L, " if self.batch_first else "(L, N, "
            raise ValueError(f"{self!r} expected input of shape {layout}{features}) or (L, "
                             f"{features}), got {_shape(input)}")
        self._check_dtype_device(input)
        if input.ndim == 2:
            return input.unsqueeze(1), None, False
        return (input.transpose(0, 1) if self.batch_first else input), None, True

    def _check_dtype_device(self, input):
        weight = self.weight_ih_l0
        if input.device != weight.device:
            raise RuntimeError(f"{self!r} got input on {input.device} but its weights are on "
                               f"{weight.device}; move one with .to(device) first")
        if input.dtype != weight.dtype:
            raise ValueError(f"{self!r} expected input of dtype {weight.dtype} (its weights'), "
                             f"got {input.dtype}; convert one with .to(dtype)")

    def _initial_states(self, hx, input, batched, batch):
        """hx checked against the shapes PyTorch expects; one (layers * D, N, size) tensor per
        state (None: zeros), unbatched states given a batch dimension of 1."""
        sizes = self._state_sizes()
        if hx is None:
            return [None] * len(sizes)
        states = hx if len(sizes) > 1 else (hx,)
        if not isinstance(states, (tuple, list)) or len(states) != len(sizes):
            raise TypeError(f"{self!r} expected hx = ({', '.join(self.states)}), a tuple of "
                            f"{len(sizes)} Tensors, got {type(hx).__name__}")
        count = self.num_layers * (2 if self.bidirectional else 1)
        result = []
        for what, state, size in zip(self.states, states, sizes):
            expected = (count, batch, size) if batched else (count, size)
            _check_state(self, what, state, input, expected)
            result.append(state if batched else state.unsqueeze(1))
        return result


def _pack_like(padded, packed):
    """The rows of the padded (T, B, F) output that `packed` (the input) holds, in its order:
    row (t, j) of the packed data is time t of the j-th longest sequence, sequence
    sorted_indices[j] of the batch. One gather (nn.utils.rnn's), so gradients flow back into
    the output."""
    batch = padded.shape[1]
    sizes = numpy.asarray(packed.batch_sizes.tolist())
    order = (numpy.arange(batch) if packed.sorted_indices is None
             else numpy.asarray(packed.sorted_indices.tolist()))
    time, column = numpy.nonzero(numpy.arange(batch)[None, :] < sizes[:, None])
    return _gather_rows(padded, 2, time * batch + order[column], 0)


class RNN(_RNNBase):
    r"""A multi-layer Elman RNN: each layer computes, for t = 0 .. L-1,

        h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)     (or relu)

    x_t being the input (first layer) or the previous layer's h_t. See _RNNBase for the
    arguments, shapes and parameters; hx = h_0 (num_layers * D, N, hidden_size)."""

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None):
        _check_nonlinearity("RNN", nonlinearity)
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, device=device, dtype=dtype)

    def _layer(self, xw, initial, weights, bias_hh, lengths, reverse):
        S = rnn_layer(xw, initial[0], weights["weight_hh"], bias_hh, lengths, reverse,
                      self.nonlinearity)
        steps = xw.shape[0]
        return (S[:steps], (S[0],)) if reverse else (S[1:], (S[steps],))


class LSTM(_RNNBase):
    r"""A multi-layer long short-term memory network: each layer computes, for t = 0 .. L-1,

        i, f, g, o = chunks of x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh
        c_t = sigmoid(f) * c_{t-1} + sigmoid(i) * tanh(g)
        h_t = sigmoid(o) * tanh(c_t)        (then h_t W_hr^T if proj_size > 0)

    as LSTMCell does. See _RNNBase for the arguments, shapes and parameters; hx = (h_0, c_0),
    h_0 (num_layers * D, N, proj_size or hidden_size), c_0 (num_layers * D, N, hidden_size),
    and it returns (output, (h_n, c_n))."""

    gates = 4
    states = ("h_0", "c_0")

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, proj_size, device, dtype)

    def _state_sizes(self):
        return (self.proj_size or self.hidden_size, self.hidden_size)

    def _layer(self, xw, initial, weights, bias_hh, lengths, reverse):
        S = lstm_layer(xw, initial[0], initial[1], weights["weight_hh"], bias_hh,
                       weights.get("weight_hr"), lengths, reverse)
        steps, size = xw.shape[0], self.proj_size or self.hidden_size
        last = 0 if reverse else steps
        output = S[:steps, :, :size] if reverse else S[1:, :, :size]
        return output, (S[last, :, :size], S[last, :, size:])


class GRU(_RNNBase):
    r"""A multi-layer gated recurrent unit network: each layer computes, for t = 0 .. L-1,

        r = sigmoid(x_t W_ir^T + b_ir + h_{t-1} W_hr^T + b_hr)
        z = sigmoid(x_t W_iz^T + b_iz + h_{t-1} W_hz^T + b_hz)
        n = tanh(x_t W_in^T + b_in + r * (h_{t-1} W_hn^T + b_hn))
        h_t = (1 - z) * n + z * h_{t-1}

    as GRUCell does. See _RNNBase for the arguments, shapes and parameters; hx = h_0
    (num_layers * D, N, hidden_size)."""

    gates = 3
    biases_add = False  # b_hn sits inside r * (h W_hn^T + b_hn)

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, device=device, dtype=dtype)

    def _layer(self, xw, initial, weights, bias_hh, lengths, reverse):
        S = gru_layer(xw, initial[0], weights["weight_hh"], bias_hh, lengths, reverse)
        steps = xw.shape[0]
        return (S[:steps], (S[0],)) if reverse else (S[1:], (S[steps],))
