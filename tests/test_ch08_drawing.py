"""Chapter 08: the pictures of sliding windows (visualize/windows.py) show exactly the cells
that the window view of tensor/ops/window.py reads."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tensor.backend import get_backend  # noqa: E402
from tensor.ops.window import output_size, windows  # noqa: E402
from visualize.windows import GROUP_COLOURS, draw_grid, draw_windows, window_cells  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def texts(ax):
    """The numbers written in the cells, row by row, as a 2-D list of strings."""
    return [t.get_text() for t in ax.texts]


def outlined(ax, colour):
    """The (row, column) cells outlined in `colour` (the unfilled rectangles of a group)."""
    rgba = matplotlib.colors.to_rgba(colour)
    return sorted((round(p.get_y() + p.get_height() / 2), round(p.get_x() + p.get_width() / 2))
                  for p in ax.patches if p.get_edgecolor() == rgba and p.get_facecolor()[3] == 0)


def test_window_cells_by_hand():
    # a 2x2 kernel at output position (1, 2), stride 2, dilation 1 and 3
    assert window_cells((1, 2), 2, stride=2) == [(2, 4), (2, 5), (3, 4), (3, 5)]
    assert window_cells((1, 2), (2, 2), stride=(2, 2), dilation=(1, 3)) == [
        (2, 4), (2, 7), (3, 4), (3, 7)]
    assert window_cells((0, 0), (1, 3)) == [(0, 0), (0, 1), (0, 2)]


@settings(max_examples=30, deadline=None)
@given(size=st.integers(4, 9), kernel=st.integers(1, 3), stride=st.integers(1, 3),
       dilation=st.integers(1, 2), data=st.data())
def test_window_cells_are_the_cells_of_the_window_view(size, kernel, stride, dilation, data):
    out = output_size(size, kernel, stride, 0, dilation)
    if out < 1:
        return
    x = np.arange(size * (size + 1), dtype=np.float64).reshape(1, 1, size, size + 1)
    view = windows(get_backend("cpu"), x, (kernel, kernel), (stride, stride),
                   (dilation, dilation))
    p = data.draw(st.integers(0, out - 1))
    q = data.draw(st.integers(0, view.shape[3] - 1))
    cells = window_cells((p, q), kernel, stride, dilation)
    np.testing.assert_array_equal([x[0, 0, r, c] for r, c in cells], view[0, 0, p, q].ravel())


def test_draw_grid_writes_every_number_and_grey_zeros_for_padding():
    ax = draw_grid([[1, 2.5], [-3, 4]], padding=1, title="padded")
    assert texts(ax) == ["0", "0", "0", "0",
                         "0", "1", "2.5", "0",
                         "0", "-3", "4", "0",
                         "0", "0", "0", "0"]
    grey = [t.get_text() for t in ax.texts if t.get_color() == "#808080"]
    assert len(grey) == 12
    assert ax.get_title() == "padded"
    assert ax.get_xlim() == (-0.5, 3.5) and ax.get_ylim() == (3.5, -0.5)  # row 0 at the top
    assert not draw_grid(np.zeros((2, 3)), numbers=False).texts


def test_draw_windows_outlines_each_window_in_its_own_colour():
    ax = draw_windows(np.arange(36).reshape(6, 6), 3, [(0, 0), (1, 1)], stride=2, dilation=1)
    assert outlined(ax, GROUP_COLOURS[0]) == sorted(window_cells((0, 0), 3, 2))
    assert outlined(ax, GROUP_COLOURS[1]) == sorted(window_cells((1, 1), 3, 2))
    assert outlined(ax, GROUP_COLOURS[2]) == []


def test_bad_input_is_an_error_that_says_what_was_wrong():
    with pytest.raises(ValueError, match=r"cell \(2, 5\) of group 0 is outside the 4x4 grid"):
        draw_grid(np.zeros((2, 2)), [[(2, 5)]], padding=1)
    with pytest.raises(ValueError, match=r"window at position \(2, 2\) reaches cell "
                                         r"\(3, 3\), outside the padded input of shape \(3, 3\)"):
        draw_windows(np.zeros((3, 3)), 2, [(2, 2)])
    with pytest.raises(ValueError, match="2-D array"):
        draw_grid(np.zeros(5))
    with pytest.raises(ValueError, match="stride must be an int or a pair"):
        window_cells((0, 0), 3, stride=(1, 2, 3))
    with pytest.raises(ValueError, match="must be positive"):
        window_cells((0, 0), 3, dilation=0)
