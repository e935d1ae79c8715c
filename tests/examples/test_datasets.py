"""The examples' datasets: seeded, split, sharded, and as hard as their docstrings say."""

import numpy as np
import pytest

from teachflow.examples.datasets import make_blobs, make_rings, one_batch


def _softmax_regression_accuracy(data, steps=300, lr=0.5):
    w = np.zeros((data.num_features, data.num_classes))
    b = np.zeros(data.num_classes)
    for _ in range(steps):
        z = data.x_train @ w + b
        p = np.exp(z - z.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        p[np.arange(len(p)), data.y_train] -= 1
        p /= len(p)
        w -= lr * data.x_train.T @ p
        b -= lr * p.sum(0)
    return float(((data.x_test @ w + b).argmax(1) == data.y_test).mean())


def test_same_seed_same_data_and_types():
    a, b = make_blobs(seed=3), make_blobs(seed=3)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    assert not np.array_equal(a.x_train, make_blobs(seed=4).x_train)
    assert a.x_train.dtype == np.float32 and a.y_train.dtype == np.int32
    assert len(a.x_train) == 900 and len(a.x_test) == 300 and a.num_features == 2
    assert set(np.unique(a.y_train)) == {0, 1, 2}


def test_blobs_are_linearly_separable_to_about_95_percent():
    assert 0.93 <= _softmax_regression_accuracy(make_blobs(seed=0)) <= 0.99


def test_rings_defeat_a_linear_classifier():
    data = make_rings(seed=0)
    assert _softmax_regression_accuracy(data) < 0.7
    radius = np.hypot(data.x_train[:, 0], data.x_train[:, 1])
    assert np.all(np.abs(radius - (data.y_train + 1)) < 1.0)


def test_shards_split_the_training_set():
    data = make_blobs(n_samples=400, seed=0)
    shards = [data.shard(i, 3) for i in range(3)]
    assert [len(s.x_train) for s in shards] == [100, 100, 100]
    np.testing.assert_array_equal(np.concatenate([s.x_train for s in shards]), data.x_train[:300])
    assert shards[0].x_test is data.x_test
    with pytest.raises(ValueError, match=r"shard index must be in \[0, 3\)"):
        data.shard(3, 3)


def test_one_batch_draws_from_the_training_set():
    data = make_blobs(n_samples=200, seed=0)
    x, y = one_batch(data, 16, np.random.default_rng(0))
    assert x.shape == (16, 2) and y.shape == (16,)
    rows = {tuple(r) for r in data.x_train}
    assert all(tuple(r) in rows for r in x)
