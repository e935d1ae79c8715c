"""``tf.keras.datasets.cifar10``: 50000 + 10000 colour images, 32x32, in 10 classes.

The Toronto ``cifar-10-python.tar.gz`` (checked against its sha256) is unpacked into
``~/.keras/datasets/cifar-10-batches-py/``: five pickled training batches and a test batch,
each a ``data`` array of ``(n, 3072)`` rows (channels first) and a ``labels`` list.
Images come back channels-last, uint8 ``(n, 32, 32, 3)``; labels uint8 ``(n, 1)``.

    >>> (x_train, y_train), (x_test, y_test) = load_data()  # doctest: +SKIP
    >>> x_train.shape, y_train.shape, y_train.dtype  # doctest: +SKIP
    ((50000, 32, 32, 3), (50000, 1), dtype('uint8'))
"""

from __future__ import annotations

import os
import pickle

import numpy as np

from teachflow.keras.utils.file_cache import get_file

__all__ = ["load_batch", "load_data"]

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
FILE_HASH = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"


def load_batch(fpath, label_key="labels"):
    """``(data, labels)`` of one pickled CIFAR batch, data reshaped to ``(n, 3, 32, 32)``."""
    with open(fpath, "rb") as f:
        # The batches were pickled by Python 2: keys are bytes.
        d = pickle.load(f, encoding="bytes")
    d = {k.decode("utf8"): v for k, v in d.items()}
    data = d["data"]
    return data.reshape(data.shape[0], 3, 32, 32), d[label_key]


def load_data():
    """``(x_train, y_train), (x_test, y_test)`` of CIFAR-10, channels last."""
    path = get_file("cifar-10-batches-py", origin=ORIGIN, untar=True, file_hash=FILE_HASH)
    batches = [load_batch(os.path.join(path, f"data_batch_{i}")) for i in range(1, 6)]
    # Keras fills a preallocated (50000, ...) array batch by batch; concatenating gives
    # the same arrays for the real files.
    x_train = np.concatenate([x for x, _ in batches]).astype("uint8")
    y_train = np.concatenate([np.asarray(y) for _, y in batches]).astype("uint8")
    x_test, y_test = load_batch(os.path.join(path, "test_batch"))

    y_train = np.reshape(y_train, (len(y_train), 1))
    y_test = np.reshape(y_test, (len(y_test), 1))
    # tf.keras' image_data_format() is 'channels_last' unless keras.json says otherwise;
    # teachflow has no Keras backend, so it is always channels last.
    x_train = x_train.transpose(0, 2, 3, 1)
    x_test = x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test.astype(x_train.dtype), y_test.astype(y_train.dtype))
