"""Pictures of sliding windows: a small grid of numbers with some windows shaded, for the
lesson on convolution and pooling (chapter 08).

A kernel of size k that starts every s cells and reads every d-th cell (stride s, dilation d)
has, at output position p, the window of cells p*s + j*d, j = 0 .. k-1, along each axis: the
cells that tensor/ops/window.py's `windows` view puts at view[..., p, j]. Padding adds a ring
of `padding` zero cells around the input, and positions count in the padded grid.

- `window_cells(position, kernel_size, stride, dilation)`: the (row, column) cells of one
  window, in the padded grid.
- `draw_grid(values, groups)`: a 2-D array drawn as a table of cells, each group of cells
  shaded in its own colour (overlaps mix).
- `draw_windows(values, kernel_size, positions, ...)`: the input, padded, with the windows
  at `positions` shaded: what one output cell of a convolution or pooling reads.

Like visualize.plots, they draw with matplotlib's object API on the `ax` given (or a new one),
never call `plt.show()`, and return the Axes.
"""

import itertools

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

# One colour per shaded group; distinct from each other and readable under black numbers.
GROUP_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")


def _pair(value, what):
    pair = (value, value) if isinstance(value, int) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, int) and v >= 0 for v in pair):
        raise ValueError(f"{what} must be an int or a pair of ints >= 0, got {value!r}")
    return pair


def window_cells(position, kernel_size, stride=1, dilation=1):
    """The cells (row, column) of the window at output position `position` = (p, q) of a 2-D
    kernel: rows p*s + i*d for i < kernel rows, columns q*s + j*d for j < kernel columns (s,
    d per axis), row by row. Cells count in the padded grid."""
    position = _pair(position, "position")
    kernel_size, stride, dilation = (_pair(v, w) for v, w in ((kernel_size, "kernel_size"),
                                                             (stride, "stride"),
                                                             (dilation, "dilation")))
    if 0 in kernel_size or 0 in stride or 0 in dilation:
        raise ValueError(f"kernel_size, stride and dilation must be positive, got "
                         f"{kernel_size}, {stride}, {dilation}")
    axes = [[p * s + j * d for j in range(k)]
            for p, k, s, d in zip(position, kernel_size, stride, dilation)]
    return list(itertools.product(*axes))


def draw_grid(values, groups=(), ax=None, *, padding=0, numbers=True, title=None,
              colours=GROUP_COLOURS, fmt="{:g}"):
    """Draw the 2-D array `values` as a table of cells, row 0 at the top, each cell with its
    number (unless numbers=False). `padding` adds that many rings of zero cells around it, drawn
    grey. `groups` is a list of lists of (row, column) cells of the padded grid; group k is
    shaded and outlined in colours[k]; in a cell of several groups the outlines nest, so each
    shows. Returns the Axes.

    Raises ValueError for a 2-D array it cannot draw or a cell outside the padded grid."""
    values = np.asarray(values)
    if values.ndim != 2 or 0 in values.shape:
        raise ValueError(f"draw_grid expected a 2-D array of numbers, got shape {values.shape}")
    (pad_rows, pad_cols) = _pair(padding, "padding")
    rows, cols = values.shape[0] + 2 * pad_rows, values.shape[1] + 2 * pad_cols
    if ax is None:
        _, ax = plt.subplots(figsize=(0.45 * cols + 0.4, 0.45 * rows + 0.6))
    for r, c in itertools.product(range(rows), range(cols)):
        inside = pad_rows <= r < rows - pad_rows and pad_cols <= c < cols - pad_cols
        ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, facecolor="white" if inside else
                               "#e0e0e0", edgecolor="#b0b0b0", linewidth=0.8))
        if numbers:
            text = fmt.format(values[r - pad_rows, c - pad_cols]) if inside else "0"
            ax.text(c, r, text, ha="center", va="center", fontsize=11,
                    color="black" if inside else "#808080")
    for k, cells in enumerate(groups):
        for r, c in cells:
            if not (0 <= r < rows and 0 <= c < cols):
                raise ValueError(f"draw_grid: cell {(r, c)} of group {k} is outside the "
                                 f"{rows}x{cols} grid (padding included)")
            ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, alpha=0.3, edgecolor="none",
                                   facecolor=colours[k % len(colours)]))
    outlines = {}  # cell -> how many groups outlined it so far; drawn over all the shading
    for k, cells in enumerate(groups):
        for r, c in cells:
            inset = 0.06 + 0.1 * (outlines.get((r, c), 0) % 3)  # nested where groups overlap
            outlines[(r, c)] = outlines.get((r, c), 0) + 1
            ax.add_patch(Rectangle((c - 0.5 + inset, r - 0.5 + inset), 1 - 2 * inset,
                                   1 - 2 * inset, facecolor="none", linewidth=2,
                                   edgecolor=colours[k % len(colours)]))
    ax.set_xlim(-0.5, cols - 0.5)
    ax.set_ylim(rows - 0.5, -0.5)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ax.spines.values():
        side.set_visible(False)
    if title:
        ax.set_title(title, fontsize=12)
    return ax


def draw_windows(values, kernel_size, positions, ax=None, *, stride=1, padding=0, dilation=1,
                 numbers=True, title=None):
    """Draw the 2-D input `values`, padded by `padding` zeros, with the window of every output
    position in `positions` (a list of (p, q)) shaded in its own colour: the cells the view
    of tensor/ops/window.py puts at view[p, q]. Returns the Axes."""
    values = np.asarray(values)
    pads = _pair(padding, "padding")
    groups = [window_cells(p, kernel_size, stride, dilation) for p in positions]
    for position, cells in zip(positions, groups):
        last = cells[-1]
        if values.ndim == 2 and any(i >= n + 2 * pad for i, n, pad in
                                    zip(last, values.shape, pads)):
            raise ValueError(f"draw_windows: the window at position {tuple(position)} reaches "
                             f"cell {last}, outside the padded input of shape "
                             f"{tuple(n + 2 * pad for n, pad in zip(values.shape, pads))}")
    return draw_grid(values, groups, ax, padding=padding, numbers=numbers, title=title)
