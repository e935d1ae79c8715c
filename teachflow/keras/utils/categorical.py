"""``tf.keras.utils.to_categorical``: class numbers as one-hot rows, as Keras makes them."""

from __future__ import annotations

import numpy as np

__all__ = ["to_categorical"]


def to_categorical(y, num_classes=None, dtype="float32"):
    """One-hot rows for the integer classes ``y`` (any shape; a trailing 1 is dropped).

    ``num_classes`` defaults to ``max(y) + 1``.

    >>> to_categorical([[1], [0]])
    array([[0., 1.],
           [1., 0.]], dtype=float32)
    >>> to_categorical([[1, 2]], num_classes=4, dtype="int32").shape
    (1, 2, 4)
    """
    y = np.array(y, dtype="int")
    input_shape = y.shape
    # Keras treats labels of shape (n, 1) -- cifar10's -- as (n,).
    if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
        input_shape = tuple(input_shape[:-1])
    y = y.ravel()
    if not num_classes:
        num_classes = np.max(y) + 1
    n = y.shape[0]
    categorical = np.zeros((n, num_classes), dtype=dtype)
    categorical[np.arange(n), y] = 1
    return np.reshape(categorical, input_shape + (num_classes,))
