"""``tf.keras.datasets.mnist``: 60000 + 10000 handwritten digits, 28x28 uint8 images.

The data is one ``.npz`` file (``x_train``, ``y_train``, ``x_test``, ``y_test``) from
Keras' bucket, cached as ``~/.keras/datasets/mnist.npz`` and checked against its sha256.

    >>> (x_train, y_train), (x_test, y_test) = load_data()  # doctest: +SKIP
    >>> x_train.shape, x_train.dtype, y_test.shape  # doctest: +SKIP
    ((60000, 28, 28), dtype('uint8'), (10000,))
"""

from __future__ import annotations

import numpy as np

from teachflow.keras.utils.file_cache import get_file

__all__ = ["load_data"]

ORIGIN_FOLDER = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
FILE_HASH = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


def load_data(path="mnist.npz"):
    """``(x_train, y_train), (x_test, y_test)``; ``path`` is relative to the cache's datasets/."""
    path = get_file(path, origin=ORIGIN_FOLDER + "mnist.npz", file_hash=FILE_HASH)
    with np.load(path, allow_pickle=True) as f:
        x_train, y_train = f["x_train"], f["y_train"]
        x_test, y_test = f["x_test"], f["y_test"]
    return (x_train, y_train), (x_test, y_test)
