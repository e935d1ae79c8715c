"""Small classification problems made on the spot: seeded, so every run sees the same data.

* `make_blobs`: Gaussian clouds around class centres -- a linear (softmax) classifier
  separates them, so it is the problem for data parallelism.
* `make_rings`: concentric rings, one per class -- no straight line separates them, a
  hidden layer does, so it is the problem for a network split over devices.

    >>> data = make_blobs(n_samples=400, num_classes=3, seed=0)
    >>> data.x_train.shape, data.y_train.dtype, data.num_classes
    ((300, 2), dtype('int32'), 3)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Dataset", "make_blobs", "make_rings", "one_batch"]


@dataclass(frozen=True)
class Dataset:
    """Features (float32, one row per example) and integer labels, split train/test."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    num_classes: int

    @property
    def num_features(self) -> int:
        return self.x_train.shape[1]

    def shard(self, index: int, count: int) -> Dataset:
        """The ``index``-th of ``count`` equal slices of the training set (one worker's share).

        >>> make_blobs(n_samples=400, seed=0).shard(1, 3).x_train.shape
        (100, 2)
        """
        if not 0 <= index < count:
            raise ValueError(f"shard index must be in [0, {count}), got {index}")
        n = len(self.x_train) // count
        part = slice(index * n, (index + 1) * n)
        return Dataset(
            self.x_train[part], self.y_train[part], self.x_test, self.y_test, self.num_classes
        )


def _split(x, y, num_classes, test_fraction, rng):
    order = rng.permutation(len(x))
    x, y = x[order].astype(np.float32), y[order].astype(np.int32)
    n_test = int(round(len(x) * test_fraction))
    return Dataset(x[n_test:], y[n_test:], x[:n_test], y[:n_test], num_classes)


def make_blobs(
    n_samples=1200, num_classes=3, num_features=2, spread=1.7, seed=0, test_fraction=0.25
) -> Dataset:
    """``num_classes`` Gaussian clouds (standard deviation ``spread``) on a circle of radius 4.

    The clouds overlap a little: the best linear (softmax) classifier gets about 95% of
    the test set right, so the examples aim for at least 90%.
    """
    rng = np.random.default_rng(seed)
    angles = 2 * np.pi * np.arange(num_classes) / num_classes
    centres = np.zeros((num_classes, num_features))
    centres[:, 0], centres[:, 1 % num_features] = 4 * np.cos(angles), 4 * np.sin(angles)
    y = rng.integers(0, num_classes, n_samples)
    x = centres[y] + rng.normal(0.0, spread, (n_samples, num_features))
    return _split(x, y, num_classes, test_fraction, rng)


def make_rings(n_samples=1200, num_classes=2, noise=0.15, seed=0, test_fraction=0.25) -> Dataset:
    """Class ``k`` lies on the ring of radius ``k + 1`` (plus Gaussian ``noise``), in 2-D.

    A softmax classifier stays near chance; one hidden layer of a few units separates them.
    """
    rng = np.random.default_rng(seed)
    y = rng.integers(0, num_classes, n_samples)
    theta = rng.uniform(0, 2 * np.pi, n_samples)
    r = (y + 1.0) + rng.normal(0.0, noise, n_samples)
    x = np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1)
    return _split(x, y, num_classes, test_fraction, rng)


def one_batch(data: Dataset, batch_size: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """A random minibatch of the training set (with replacement)."""
    idx = rng.integers(0, len(data.x_train), batch_size)
    return data.x_train[idx], data.y_train[idx]
