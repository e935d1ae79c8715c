"""``tf.keras.datasets.boston_housing``: 506 Boston suburbs, 13 features, median price.

One ``.npz`` (``x``, ``y``, float64) from Keras' bucket, checked against its sha256; the
rows are shuffled by ``np.random.RandomState(seed)`` and the last ``test_split`` of them
become the test set -- so the default ``seed=113`` gives Keras' 404 / 102 split.

    >>> (x_train, y_train), (x_test, y_test) = load_data()  # doctest: +SKIP
    >>> x_train.shape, x_test.shape  # doctest: +SKIP
    ((404, 13), (102, 13))
"""

from __future__ import annotations

import numpy as np

from teachflow.keras.utils.file_cache import get_file

__all__ = ["load_data"]

ORIGIN_FOLDER = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
FILE_HASH = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """``(x_train, y_train), (x_test, y_test)``, shuffled by ``seed``, ``test_split`` held out."""
    assert 0 <= test_split < 1
    path = get_file(path, origin=ORIGIN_FOLDER + "boston_housing.npz", file_hash=FILE_HASH)
    with np.load(path, allow_pickle=True) as f:
        x = f["x"]
        y = f["y"]

    # A private generator: the shuffle neither reads nor moves NumPy's global one.
    rng = np.random.RandomState(seed)
    indices = np.arange(len(x))
    rng.shuffle(indices)
    x = x[indices]
    y = y[indices]

    split = int(len(x) * (1 - test_split))
    return (np.array(x[:split]), np.array(y[:split])), (np.array(x[split:]), np.array(y[split:]))
