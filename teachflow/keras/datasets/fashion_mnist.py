"""``tf.keras.datasets.fashion_mnist``: Zalando's 10 kinds of clothing, in MNIST's format.

Four idx ``.gz`` files from Keras' bucket, cached under ``~/.keras/datasets/fashion-mnist/``
(Keras gives no hashes for them). Images are uint8 ``(n, 28, 28)``, labels uint8 ``(n,)``.

    >>> (x_train, y_train), (x_test, y_test) = load_data()  # doctest: +SKIP
    >>> x_train.shape, y_train.shape  # doctest: +SKIP
    ((60000, 28, 28), (60000,))
"""

from __future__ import annotations

import gzip
import os

import numpy as np

from teachflow.keras.utils.file_cache import get_file

__all__ = ["load_data"]

BASE = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
FILES = [
    "train-labels-idx1-ubyte.gz",
    "train-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
]


def _labels(path):
    # Keras skips the idx header (magic + count) by offset, without checking it.
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=8)


def _images(path, count):
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=16).reshape(count, 28, 28)


def load_data():
    """``(x_train, y_train), (x_test, y_test)`` of Fashion-MNIST."""
    dirname = os.path.join("datasets", "fashion-mnist")
    paths = [get_file(fname, origin=BASE + fname, cache_subdir=dirname) for fname in FILES]
    y_train = _labels(paths[0])
    x_train = _images(paths[1], len(y_train))
    y_test = _labels(paths[2])
    x_test = _images(paths[3], len(y_test))
    return (x_train, y_train), (x_test, y_test)
