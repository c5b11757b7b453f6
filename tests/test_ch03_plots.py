"""Chapter 03: the plots of training (loss curves, decision regions, image grids)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from engine.nn import MLP  # noqa: E402
from engine.value import Value  # noqa: E402
from visualize import plot_decision_boundary, plot_image_grid, plot_losses  # noqa: E402
from visualize.plots import CLASS_COLOURS  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# ---- loss curves ------------------------------------------------------------------------------


def test_one_curve_is_one_line_of_the_losses():
    losses = [2.0, 1.0, 0.5, 0.25]
    ax = plot_losses(losses)
    (line,) = ax.lines
    np.testing.assert_array_equal(line.get_xdata(), [0, 1, 2, 3])
    np.testing.assert_array_equal(line.get_ydata(), losses)
    assert ax.get_xlabel() == "step" and ax.get_ylabel() == "loss"
    assert ax.get_yscale() == "linear" and ax.get_legend() is None


def test_several_curves_share_the_axes_with_a_legend():
    ax = plot_losses({"train": [3, 2, 1], "test": [3.5, 2.5, 2.0, 1.8]}, log=True, title="fit")
    assert len(ax.lines) == 2
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train", "test"]
    assert ax.get_yscale() == "log" and ax.get_title() == "fit"


def test_smoothing_adds_a_running_mean_over_the_faint_raw_curve():
    losses = np.arange(10.0)
    ax = plot_losses({"sgd": losses, "adam": losses / 2}, smooth=4)
    assert len(ax.lines) == 4
    raw, mean = ax.lines[:2]
    assert raw.get_alpha() == pytest.approx(0.3) and raw.get_color() == mean.get_color()
    np.testing.assert_allclose(mean.get_ydata(), np.arange(1.5, 8.0))  # mean of 4 consecutive
    np.testing.assert_array_equal(mean.get_xdata(), np.arange(3, 10))


def test_draws_on_the_axes_it_is_given():
    fig, (left, right) = plt.subplots(1, 2)
    assert plot_losses([1, 2], ax=right) is right
    assert len(left.lines) == 0 and len(right.lines) == 1


def test_losses_that_are_graph_nodes_are_refused_with_a_hint():
    with pytest.raises(TypeError, match=r"curve 'train'.*loss\.data"):
        plot_losses({"train": [Value(1.0), Value(0.5)]})
    with pytest.raises(ValueError, match="non-empty sequence"):
        plot_losses([])
    with pytest.raises(ValueError, match="at least one curve"):
        plot_losses({})


# ---- decision regions -------------------------------------------------------------------------


def two_blobs():
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(-1, 0.3, (20, 2)), rng.normal(1, 0.3, (20, 2))])
    y = np.array([-1] * 20 + [1] * 20)
    return X, y


def test_binary_regions_boundary_line_and_points():
    X, y = two_blobs()
    seen = []

    def predict(points):
        seen.append(points)
        return points[:, 0] - 0.25  # positive right of the vertical line x = 0.25

    ax = plot_decision_boundary(predict, X, y, resolution=60)
    (points,) = seen
    assert points.shape == (60 * 60, 2) and points.dtype == np.float64
    regions, boundary, scatter = ax.collections
    np.testing.assert_array_equal(regions.levels, [-0.5, 0.5, 1.5])
    np.testing.assert_array_equal(boundary.levels, [0.0])
    spacing = (X[:, 0].max() - X[:, 0].min() + 1.0) / 59
    boundary_x = np.concatenate(boundary.allsegs[0])[:, 0]
    np.testing.assert_allclose(boundary_x, 0.25, atol=spacing)
    positive_x = np.concatenate(regions.allsegs[1])[:, 0]  # the band of class index 1
    assert positive_x.min() >= 0.25 - spacing
    negative_x = np.concatenate(regions.allsegs[0])[:, 0]
    assert negative_x.max() <= 0.25 + spacing
    colours = scatter.get_facecolors()
    assert len(colours) == 40
    np.testing.assert_allclose(colours[0], to_rgba(CLASS_COLOURS[0]))
    np.testing.assert_allclose(colours[-1], to_rgba(CLASS_COLOURS[1]))
    assert ax.get_xlim() == pytest.approx((X[:, 0].min() - 0.5, X[:, 0].max() + 0.5))


def test_threshold_moves_the_boundary():
    X, y = two_blobs()
    ax = plot_decision_boundary(lambda p: 1 / (1 + np.exp(-p[:, 1])), X, (y + 1) // 2,
                                threshold=0.5, resolution=40)
    boundary = ax.collections[1]
    np.testing.assert_allclose(np.concatenate(boundary.allsegs[0])[:, 1], 0.0, atol=0.1)


def test_k_class_scores_colour_k_regions():
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    y = np.array([0, 1, 2])
    ax = plot_decision_boundary(lambda p: np.column_stack([-p.sum(1), p[:, 0], p[:, 1]]), X, y,
                                resolution=30)
    regions, scatter = ax.collections
    np.testing.assert_array_equal(regions.levels, [-0.5, 0.5, 1.5, 2.5])
    np.testing.assert_allclose(scatter.get_facecolors(), [to_rgba(c) for c in CLASS_COLOURS[:3]])


def test_a_scalar_engine_mlp_wrapped_as_a_predict_function():
    model = MLP(2, [4, 1])
    X, y = two_blobs()

    def predict(points):
        return np.array([model([Value(a), Value(b)]).data for a, b in points])

    ax = plot_decision_boundary(predict, X, y, resolution=12)
    assert len(ax.collections) == 3


def test_shapes_that_do_not_fit_are_refused():
    X, y = two_blobs()
    with pytest.raises(ValueError, match=r"X of shape \(40, 3\)"):
        plot_decision_boundary(lambda p: p[:, 0], np.zeros((40, 3)), y)
    with pytest.raises(ValueError, match=r"should return scores of shape \(100,\) or \(100, k\)"):
        plot_decision_boundary(lambda p: p[:5, 0], X, y, resolution=10)
    with pytest.raises(ValueError, match="y has 3 different labels"):
        plot_decision_boundary(lambda p: p[:, 0], X, np.arange(40) % 3, resolution=10)
    with pytest.raises(ValueError, match=r"class indices 0\.\.1; got labels from -1 to 1"):
        plot_decision_boundary(lambda p: p, X, y, resolution=10)


# ---- image grids ------------------------------------------------------------------------------


def test_image_grid_has_one_titled_axes_per_image():
    images = np.random.default_rng(0).integers(0, 256, (10, 28, 28), dtype=np.uint8)
    names = [f"class {i}" for i in range(10)]
    fig = plot_image_grid(images, labels=np.arange(10)[::-1], ncols=4, class_names=names,
                          title="ten images")
    assert len(fig.axes) == 10
    assert [ax.get_title() for ax in fig.axes] == names[::-1]
    np.testing.assert_array_equal(fig.axes[3].images[0].get_array(), images[3])
    assert fig.axes[4].get_subplotspec().rowspan.start == 1  # the fifth image starts row two
    assert fig.get_suptitle() == "ten images"


@pytest.mark.parametrize("shape", [(6, 1, 28, 28), (6, 28, 28, 1), (6, 784)])
def test_channel_and_flat_layouts_become_28_by_28_pictures(shape):
    fig = plot_image_grid(np.zeros(shape))
    assert len(fig.axes) == 6
    assert fig.axes[0].images[0].get_array().shape == (28, 28)
    assert all(ax.get_title() == "" for ax in fig.axes)


def test_colour_images_channels_first_or_last():
    fig = plot_image_grid(np.zeros((2, 3, 8, 8)), labels=["cat", "dog"])
    assert fig.axes[0].images[0].get_array().shape == (8, 8, 3)
    assert [ax.get_title() for ax in fig.axes] == ["cat", "dog"]


def test_image_grid_refuses_what_it_cannot_show():
    with pytest.raises(ValueError, match=r"got shape \(5, 10\)"):
        plot_image_grid(np.zeros((5, 10)))
    with pytest.raises(ValueError, match="pass a slice such as images"):
        plot_image_grid(np.zeros((1000, 4, 4)))
    with pytest.raises(ValueError, match="got 3 images but 2 labels"):
        plot_image_grid(np.zeros((3, 4, 4)), labels=[0, 1])
