"""Chapter 06: the confusion matrix of a classifier (visualize.plots.plot_confusion_matrix)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from visualize.plots import plot_confusion_matrix  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def cells(ax):
    """The matrix drawn (the image's array) and the text written in each cell, row by row."""
    matrix = ax.images[0].get_array()
    texts = [t.get_text() for t in ax.texts]
    return np.asarray(matrix), np.array(texts).reshape(matrix.shape)


def test_cell_i_j_counts_true_class_i_predicted_as_j():
    targets = [0, 0, 1, 1, 1, 2, 2, 2, 2]
    predictions = [0, 1, 1, 1, 2, 2, 2, 0, 2]
    ax = plot_confusion_matrix(targets, predictions, ["cat", "dog", "emu"])
    matrix, texts = cells(ax)
    expected = [[1, 1, 0],
                [0, 2, 1],
                [1, 0, 3]]
    np.testing.assert_array_equal(matrix, expected)
    np.testing.assert_array_equal(texts, np.array(expected).astype(str))
    assert [t.get_text() for t in ax.get_xticklabels()] == ["cat", "dog", "emu"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["cat", "dog", "emu"]
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"


def test_normalized_rows_are_fractions_of_each_true_class():
    ax = plot_confusion_matrix(np.array([0, 0, 0, 1]), np.array([0, 0, 1, 1]), normalize=True,
                               title="recall")
    matrix, texts = cells(ax)
    np.testing.assert_allclose(matrix, [[2 / 3, 1 / 3], [0, 1]])
    assert texts.tolist() == [["0.67", "0.33"], ["0.00", "1.00"]]
    assert ax.get_title() == "recall"


def test_without_names_the_classes_are_numbered_up_to_the_largest_index():
    ax = plot_confusion_matrix([3, 0], [0, 3])
    matrix, _ = cells(ax)
    assert matrix.shape == (4, 4)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2", "3"]


def test_draws_on_the_axes_given():
    _, ax = plt.subplots()
    assert plot_confusion_matrix([0, 1], [1, 1], ax=ax) is ax


def test_errors_name_what_was_given():
    with pytest.raises(ValueError, match=r"same shape \(n,\); got shapes \(3,\) and \(2,\)"):
        plot_confusion_matrix([0, 1, 1], [0, 1])
    with pytest.raises(TypeError, match="integer class indices; got dtypes int64 and float64"):
        plot_confusion_matrix(np.array([0, 1]), np.array([0.2, 0.9]))
    with pytest.raises(ValueError, match=r"class indices from 0 to 3, but there are 3 classes"):
        plot_confusion_matrix([0, 3], [0, 1], ["a", "b", "c"])
