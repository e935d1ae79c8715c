"""``tf.keras.datasets``: Keras' URLs, cache folders, hash checks, arrays and splits.

A stand-in for the network serves small files; nothing is downloaded.
"""

from __future__ import annotations

import gzip
import io
import pickle
import tarfile

import numpy as np
import pytest

import teachflow as tf
from teachflow.keras.utils import file_cache

BUCKET = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


@pytest.fixture
def served(monkeypatch, tmp_path):
    """URL -> bytes the stand-in network serves; the Keras cache is tmp_path/keras."""
    files: dict[str, bytes] = {}
    fetched: list[str] = []

    def urlretrieve(url, filename):
        fetched.append(url)
        with open(filename, "wb") as f:
            f.write(files[url])

    monkeypatch.setattr(file_cache, "_urlretrieve", urlretrieve)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    (tmp_path / "keras").mkdir()
    files_and_log = type(
        "Served", (), {"files": files, "fetched": fetched, "cache": tmp_path / "keras"}
    )
    return files_and_log


def npz_bytes(**arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def test_mnist_npz_arrays_and_cache(served):
    rng = np.random.RandomState(0)
    arrays = {
        "x_train": rng.randint(0, 256, (6, 28, 28)).astype(np.uint8),
        "y_train": np.arange(6, dtype=np.uint8),
        "x_test": rng.randint(0, 256, (2, 28, 28)).astype(np.uint8),
        "y_test": np.array([7, 9], np.uint8),
    }
    served.files[BUCKET + "mnist.npz"] = npz_bytes(**arrays)
    (x_train, y_train), (x_test, y_test) = tf.keras.datasets.mnist.load_data()
    assert served.fetched == [BUCKET + "mnist.npz"]
    assert (served.cache / "datasets" / "mnist.npz").exists()
    for got, name in [
        (x_train, "x_train"),
        (y_train, "y_train"),
        (x_test, "x_test"),
        (y_test, "y_test"),
    ]:
        np.testing.assert_array_equal(got, arrays[name])
        assert got.dtype == np.uint8
    # The cached copy's sha256 is not Keras' (it is not the real MNIST): Keras re-downloads.
    tf.keras.datasets.mnist.load_data()
    assert len(served.fetched) == 2


def idx_gz(array, magic):
    header = np.array([magic, *array.shape], dtype=">u4").tobytes()
    return gzip.compress(header + array.tobytes())


def test_fashion_mnist_idx_files_in_their_subdir(served):
    x_train = np.arange(3 * 28 * 28).reshape(3, 28, 28).astype(np.uint8)
    x_test = x_train[:1][::-1]
    parts = {
        "train-labels-idx1-ubyte.gz": idx_gz(np.array([9, 0, 3], np.uint8), 2049),
        "train-images-idx3-ubyte.gz": idx_gz(x_train, 2051),
        "t10k-labels-idx1-ubyte.gz": idx_gz(np.array([5], np.uint8), 2049),
        "t10k-images-idx3-ubyte.gz": idx_gz(x_test, 2051),
    }
    for name, data in parts.items():
        served.files[BUCKET + name] = data
    (xa, ya), (xb, yb) = tf.keras.datasets.fashion_mnist.load_data()
    np.testing.assert_array_equal(xa, x_train)
    np.testing.assert_array_equal(ya, [9, 0, 3])
    np.testing.assert_array_equal(xb, x_test)
    np.testing.assert_array_equal(yb, [5])
    assert (served.cache / "datasets" / "fashion-mnist" / "t10k-images-idx3-ubyte.gz").exists()
    # No hashes for Fashion-MNIST: cached files are used as they are.
    tf.keras.datasets.fashion_mnist.load_data()
    assert len(served.fetched) == 4


def cifar_tar(batches):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, (data, labels) in batches.items():
            payload = pickle.dumps(
                {b"data": data, b"labels": labels, b"batch_label": name.encode()}
            )
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    return buffer.getvalue()


def test_cifar10_channels_last_and_label_columns(served):
    rng = np.random.RandomState(1)
    batches = {
        name: (
            rng.randint(0, 256, (2, 3072)).astype(np.uint8),
            [int(v) for v in rng.randint(0, 10, 2)],
        )
        for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    }
    served.files["https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"] = cifar_tar(batches)
    (x_train, y_train), (x_test, y_test) = tf.keras.datasets.cifar10.load_data()
    assert (served.cache / "datasets" / "cifar-10-batches-py.tar.gz").exists()
    assert x_train.shape == (10, 32, 32, 3) and x_train.dtype == np.uint8
    assert y_train.shape == (10, 1) and y_train.dtype == np.uint8
    assert x_test.shape == (2, 32, 32, 3) and y_test.shape == (2, 1) and y_test.dtype == np.uint8
    first = batches["data_batch_1"][0][0].reshape(3, 32, 32).transpose(1, 2, 0)
    np.testing.assert_array_equal(x_train[0], first)
    np.testing.assert_array_equal(
        x_train[8], batches["data_batch_5"][0][0].reshape(3, 32, 32).transpose(1, 2, 0)
    )
    np.testing.assert_array_equal(y_test[:, 0], batches["test_batch"][1])
    # The small archive's sha256 is not Keras': the next call downloads it again (as Keras
    # does), but the folder already unpacked is what it reads.
    (served.cache / "datasets" / "cifar-10-batches-py" / "test_batch").unlink()
    with pytest.raises(FileNotFoundError):
        tf.keras.datasets.cifar10.load_data()
    assert len(served.fetched) == 2


def test_boston_housing_shuffle_and_split(served):
    x = np.arange(10 * 13, dtype=np.float64).reshape(10, 13)
    y = np.arange(10, dtype=np.float64) * 1.5
    served.files[BUCKET + "boston_housing.npz"] = npz_bytes(x=x, y=y)
    (x_train, y_train), (x_test, y_test) = tf.keras.datasets.boston_housing.load_data()
    # Keras' order: np.random.RandomState(113).shuffle(np.arange(10)).
    order = [9, 3, 6, 1, 0, 7, 4, 8, 2, 5]
    assert x_train.shape == (8, 13) and x_test.shape == (2, 13) and y_train.dtype == np.float64
    np.testing.assert_array_equal(y_train, y[order[:8]])
    np.testing.assert_array_equal(x_test, x[order[8:]])
    (x_train, _), (x_test, _) = tf.keras.datasets.boston_housing.load_data(test_split=0.5, seed=1)
    assert len(x_train) == 5 and len(x_test) == 5
    with pytest.raises(AssertionError):
        tf.keras.datasets.boston_housing.load_data(test_split=1.0)
