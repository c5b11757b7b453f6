"""The pictures of training: loss curves, a 2-D classifier's decision regions, a grid of images,
a confusion matrix.

Every function draws with matplotlib's object API on a figure made by `plt.subplots` (or on the
`ax` you pass), never calls `plt.show()`, and returns what it drew on: the Axes for the single
plots, the Figure for the image grid. In Jupyter the figure appears below the cell by itself; in a
script or under the Agg backend, save it with `ax.figure.savefig("loss.png")`.
"""

import math

import matplotlib.pyplot as plt
import numpy as np

# One colour per class, shared by decision regions (faint) and the points (solid).
CLASS_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                 "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
MAX_GRID_IMAGES = 400


def plot_losses(history, ax=None, *, log=False, smooth=None, title=None, xlabel="step",
                ylabel="loss"):
    """Plot one loss curve (a sequence of numbers) or several (a dict name -> sequence).

    Several curves share the axes and a legend, so "train" and "test", or SGD and Adam, can be
    compared point by point. `log=True` uses a logarithmic y axis, where a loss that falls by the
    same factor every step is a straight line. `smooth=k` draws each curve faintly and over it
    its running mean over k steps, which shows the trend of a noisy minibatch loss.
    Returns the Axes.
    """
    curves = history if isinstance(history, dict) else {None: history}
    if not curves:
        raise ValueError("plot_losses expected at least one curve; got an empty dict")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    for name, values in curves.items():
        losses = _as_losses(name, values)
        steps = np.arange(len(losses))
        if smooth and smooth > 1 and len(losses) >= smooth:
            line, = ax.plot(steps, losses, alpha=0.3)
            mean = np.convolve(losses, np.ones(smooth) / smooth, mode="valid")
            ax.plot(steps[smooth - 1:], mean, color=line.get_color(), label=name)
        else:
            ax.plot(steps, losses, label=name)
    if log:
        ax.set_yscale("log")
    if isinstance(history, dict):
        ax.legend()
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    return ax


def _as_losses(name, values):
    curve = "" if name is None else f" {name!r}"
    try:
        losses = np.asarray(values, dtype=float)
    except TypeError as error:
        raise TypeError(
            f"plot_losses expected numbers in the curve{curve}; got {error}. Record loss.data "
            "(or loss.item()), not the loss node itself"
        ) from None
    if losses.ndim != 1 or len(losses) == 0:
        raise ValueError(
            f"plot_losses expected a non-empty sequence of numbers for the curve{curve}; got an "
            f"array of shape {losses.shape}"
        )
    return losses


def plot_decision_boundary(predict, X, y, ax=None, *, resolution=100, margin=0.5, threshold=0.0,
                           title=None):
    """Colour the plane by the class a 2-D classifier predicts, and draw the data on top.

    `predict` maps a NumPy array of points, shape (n, 2), to scores:
    - shape (n,): a binary classifier; a point is in the positive class where score > threshold
      (threshold 0 for a tanh or logit output, 0.5 for a probability). The regions are coloured
      and the boundary score == threshold is drawn as a black line. Of the two labels in `y`
      (e.g. -1/1 or 0/1), the larger one is the positive class.
    - shape (n, k): k classes; each point gets the class of its largest score, and `y` holds
      class indices 0..k-1.
    The scalar engine has no arrays, so its lesson wraps its MLP, e.g.
    `predict = lambda points: np.array([model([Value(a), Value(b)]).data for a, b in points])`;
    that runs one forward pass per grid point, so pass `resolution=40` there.

    X, y: array-likes of shape (m, 2) and (m,). The grid spans the data plus `margin` on each
    side, `resolution` points along each axis. Returns the Axes.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2 or y.shape != (len(X),):
        raise ValueError(
            "plot_decision_boundary expected points X of shape (m, 2) and labels y of shape "
            f"(m,); got X of shape {X.shape} and y of shape {y.shape}"
        )
    xs = np.linspace(X[:, 0].min() - margin, X[:, 0].max() + margin, resolution)
    ys = np.linspace(X[:, 1].min() - margin, X[:, 1].max() + margin, resolution)
    grid_x, grid_y = np.meshgrid(xs, ys)
    points = np.column_stack([grid_x.ravel(), grid_y.ravel()])
    scores = np.asarray(predict(points), dtype=float)
    if scores.shape == (len(points),):
        regions = (scores > threshold).astype(int)
        classes = 2
        labels = np.searchsorted(np.unique(y), y)
        if labels.max() > 1:
            raise ValueError(
                f"predict returned one score per point (a binary classifier), but y has "
                f"{len(np.unique(y))} different labels; return scores of shape (n, k) for k "
                "classes"
            )
    elif scores.ndim == 2 and len(scores) == len(points):
        regions = scores.argmax(axis=1)
        classes = scores.shape[1]
        labels = y.astype(int)
        if labels.min() < 0 or labels.max() >= classes:
            raise ValueError(
                f"predict returned scores for {classes} classes, so y should hold class indices "
                f"0..{classes - 1}; got labels from {labels.min()} to {labels.max()}"
            )
    else:
        raise ValueError(
            f"predict(points) with points of shape {points.shape} should return scores of shape "
            f"({len(points)},) or ({len(points)}, k); got shape {scores.shape}"
        )
    if classes > len(CLASS_COLOURS):
        raise ValueError(
            f"plot_decision_boundary colours at most {len(CLASS_COLOURS)} classes; got {classes}"
        )
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 5))
    colours = CLASS_COLOURS[:classes]
    # Region i is the band of levels (i - 0.5, i + 0.5): one flat colour per class.
    ax.contourf(grid_x, grid_y, regions.reshape(grid_x.shape), levels=np.arange(classes + 1) - 0.5,
                colors=colours, alpha=0.25)
    if classes == 2 and scores.shape == (len(points),):
        ax.contour(grid_x, grid_y, scores.reshape(grid_x.shape), levels=[threshold], colors="k",
                   linewidths=1)
    ax.scatter(X[:, 0], X[:, 1], c=[colours[i] for i in labels], edgecolors="k",
               linewidths=0.5, s=20)
    ax.set(xlim=(xs[0], xs[-1]), ylim=(ys[0], ys[-1]), aspect="equal", title=title)
    return ax


def plot_image_grid(images, labels=None, ncols=8, *, class_names=None, cmap="gray", title=None):
    """Show images in a grid, `ncols` per row, each titled with its label.

    images: array-like of shape (n, H, W) (grey), (n, H, W, C) or (n, C, H, W) with C = 1 or 3
            (channels first is how convolution layers take them), or (n, D) with D a square
            (flattened images, e.g. 784 = 28 * 28).
    labels: n class indices or strings (e.g. "coat (true: shirt)"); class_names maps indices
            to names, e.g. Fashion-MNIST's ("T-shirt/top", "Trouser", ...).
    Returns the Figure, with exactly n Axes.
    """
    images = _as_images(np.asarray(images))
    count = len(images)
    if labels is not None and len(labels) != count:
        raise ValueError(f"plot_image_grid got {count} images but {len(labels)} labels")
    ncols = min(ncols, count)
    nrows = math.ceil(count / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.3 * ncols, 1.5 * nrows), squeeze=False)
    for index, ax in enumerate(axes.flat):
        if index >= count:
            fig.delaxes(ax)
            continue
        ax.imshow(images[index], cmap=cmap)
        ax.set_axis_off()
        if labels is not None:
            label = labels[index]
            name = class_names[int(label)] if class_names is not None else label
            ax.set_title(str(name), fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def _as_images(images):
    """Images in the layout `imshow` takes: (n, H, W) or (n, H, W, 3)."""
    shape = images.shape
    if images.ndim == 2 and math.isqrt(shape[1]) ** 2 == shape[1]:
        side = math.isqrt(shape[1])
        images = images.reshape(shape[0], side, side)
    elif images.ndim == 4 and shape[1] in (1, 3) and shape[3] not in (1, 3):
        images = images.transpose(0, 2, 3, 1)
    if images.ndim == 4 and images.shape[3] == 1:
        images = images[..., 0]
    if not (images.ndim == 3 or (images.ndim == 4 and images.shape[3] == 3)) or len(images) == 0:
        raise ValueError(
            "plot_image_grid expected images of shape (n, H, W), (n, H, W, C), (n, C, H, W) with "
            f"C = 1 or 3, or (n, D) with D a square; got shape {shape}"
        )
    if len(images) > MAX_GRID_IMAGES:
        raise ValueError(
            f"plot_image_grid got {len(images):,} images, more than a grid can show "
            f"({MAX_GRID_IMAGES}); pass a slice such as images[:32]"
        )
    return images


def plot_confusion_matrix(targets, predictions, class_names=None, ax=None, *, normalize=False,
                          title=None, cmap="Blues"):
    """Draw the confusion matrix of a classifier: cell (i, j) counts the examples of true
    class i that were predicted as class j.

    The diagonal holds the right answers; everything off it is a mistake, and the largest
    off-diagonal cells show which classes the model mixes up (on Fashion-MNIST: shirts with
    T-shirts, pullovers and coats). `normalize=True` divides each row by its total, so a cell
    is the fraction of class i predicted as j (the diagonal is then each class's recall).

    targets, predictions: array-likes of n class indices (e.g. labels and logits.argmax(1)).
    class_names: the k names of the classes (default: 0..k-1, k = the largest index + 1).
    Every cell is labelled with its count (or fraction). Returns the Axes.
    """
    targets = np.asarray(targets)
    predictions = np.asarray(predictions)
    if targets.ndim != 1 or targets.shape != predictions.shape:
        raise ValueError(
            "plot_confusion_matrix expected targets and predictions of the same shape (n,); got "
            f"shapes {targets.shape} and {predictions.shape}"
        )
    if targets.dtype.kind not in "iu" or predictions.dtype.kind not in "iu":
        raise TypeError(
            "plot_confusion_matrix expected integer class indices; got dtypes "
            f"{targets.dtype} and {predictions.dtype} (for scores, pass scores.argmax(1))"
        )
    low = int(min(targets.min(initial=0), predictions.min(initial=0)))
    high = int(max(targets.max(initial=0), predictions.max(initial=0)))
    count = len(class_names) if class_names is not None else high + 1
    if low < 0 or high >= count:
        raise ValueError(
            f"plot_confusion_matrix got class indices from {low} to {high}, but there are "
            f"{count} classes (indices 0..{count - 1})"
        )
    matrix = np.bincount(targets * count + predictions, minlength=count * count)
    matrix = matrix.reshape(count, count)
    if normalize:
        matrix = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    if ax is None:
        size = max(4.0, 0.55 * count + 1.5)
        _, ax = plt.subplots(figsize=(size + 1, size))
    image = ax.imshow(matrix, cmap=cmap, vmin=0)
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    darkest = matrix.max() if matrix.size else 0
    for (i, j), value in np.ndenumerate(matrix):
        text = f"{value:.2f}" if normalize else str(value)
        ax.text(j, i, text, ha="center", va="center", fontsize=7,
                color="white" if value > darkest / 2 else "black")
    names = list(class_names) if class_names is not None else [str(i) for i in range(count)]
    ax.set_xticks(range(count), names, rotation=45, ha="right")
    ax.set_yticks(range(count), names)
    ax.set(xlabel="predicted class", ylabel="true class", title=title)
    return ax
