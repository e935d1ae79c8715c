"""``from teachflow.examples.tutorials.mnist import input_data``: TF 1.15's MNIST loader.

The idx ``.gz`` files are written here (no download); ``next_batch`` sequences are compared
with ``record_mnist_input_data.py``'s transcription of TF 1.15's loader, seeded by TF.
"""

from __future__ import annotations

import gzip
import json
import pathlib

import numpy as np
import pytest

import teachflow as tf
from teachflow.examples.tutorials.mnist import input_data

FIXTURE = (
    pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "tensorflow" / "mnist_input_data"
)
RECORDED = json.loads((FIXTURE / "next_batch.json").read_text())["cases"]
N_TRAIN, N_TEST, ROWS, COLS = 12, 5, 2, 3


def make_arrays(count, offset):
    ids = np.arange(offset, offset + count)
    images = ((ids[:, None] * 7 + np.arange(ROWS * COLS)) % 256).astype(np.uint8)
    return images.reshape(count, ROWS, COLS), (ids % 10).astype(np.uint8)


def write_idx(path, array, magic):
    header = np.array([magic, *array.shape], dtype=">u4").tobytes()
    with gzip.open(path, "wb") as f:
        f.write(header + array.tobytes())


@pytest.fixture
def mnist_dir(tmp_path):
    train_images, train_labels = make_arrays(N_TRAIN, 0)
    test_images, test_labels = make_arrays(N_TEST, 100)
    write_idx(tmp_path / input_data.TRAIN_IMAGES, train_images, 2051)
    write_idx(tmp_path / input_data.TRAIN_LABELS, train_labels, 2049)
    write_idx(tmp_path / input_data.TEST_IMAGES, test_images, 2051)
    write_idx(tmp_path / input_data.TEST_LABELS, test_labels, 2049)
    return tmp_path


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    def refuse(url, filename):
        raise AssertionError(f"test tried to download {url}")

    monkeypatch.setattr(input_data, "_urlretrieve", refuse)


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_next_batch_sequences_match_tf_1_15(mnist_dir, name):
    case = RECORDED[name]
    with tf.Graph().as_default():
        if case["graph_seed"] is not None:
            tf.set_random_seed(case["graph_seed"])
        mnist = input_data.read_data_sets(
            str(mnist_dir),
            dtype=getattr(tf, case["dtype"]),
            reshape=case["reshape"],
            validation_size=case["validation_size"],
            seed=case["seed"],
        )
        for (subset, batch_size, shuffle), want in zip(case["calls"], case["batches"]):
            data = getattr(mnist, subset)
            images, labels = data.next_batch(batch_size, shuffle=shuffle)
            np.testing.assert_array_equal(labels, want["labels"])
            np.testing.assert_allclose(images, np.array(want["images"]), rtol=1e-6)
            assert images.dtype == np.dtype(case["dtype"])
            assert data.epochs_completed == want["epochs_completed"]


def test_read_data_sets_splits_scales_and_one_hots(mnist_dir):
    mnist = input_data.read_data_sets(str(mnist_dir), one_hot=True, validation_size=4)
    assert isinstance(mnist, input_data.Datasets)
    assert mnist._fields == ("train", "validation", "test")
    assert [d.num_examples for d in mnist] == [8, 4, 5]
    assert mnist.train.images.shape == (8, ROWS * COLS)
    assert mnist.train.images.dtype == np.float32
    np.testing.assert_allclose(mnist.train.images[0], (28 + np.arange(6)) / 255.0, rtol=1e-6)
    assert mnist.train.labels.shape == (8, 10) and mnist.train.labels.dtype == np.float64
    assert mnist.train.labels[0].argmax() == 4 and mnist.train.epochs_completed == 0


def test_validation_size_out_of_range(mnist_dir):
    with pytest.raises(
        ValueError, match=r"Validation size should be between 0 and 12\. Received: 13\."
    ):
        input_data.read_data_sets(str(mnist_dir), validation_size=13)


def test_bad_magic_numbers(mnist_dir):
    # The labels file where the images file should be, and the other way round.
    with open(mnist_dir / input_data.TRAIN_LABELS, "rb") as f:
        with pytest.raises(
            ValueError, match=r"Invalid magic number 2049 in MNIST image file: .*labels"
        ):
            input_data.extract_images(f)
    with open(mnist_dir / input_data.TRAIN_IMAGES, "rb") as f:
        with pytest.raises(
            ValueError, match=r"Invalid magic number 2051 in MNIST label file: .*images"
        ):
            input_data.extract_labels(f)


def test_invalid_dtype():
    with pytest.raises(TypeError, match="Invalid image dtype .* expected uint8 or float32"):
        input_data.DataSet(np.zeros((1, 1, 1, 1), np.uint8), np.zeros(1), dtype=tf.int32)


def test_missing_file_is_downloaded_from_source_url(mnist_dir, monkeypatch):
    (mnist_dir / input_data.TEST_LABELS).rename(mnist_dir / "saved.gz")
    fetched = []

    def fake_urlretrieve(url, filename):
        fetched.append(url)
        pathlib.Path(filename).write_bytes((mnist_dir / "saved.gz").read_bytes())

    monkeypatch.setattr(input_data, "_urlretrieve", fake_urlretrieve)
    mnist = input_data.read_data_sets(str(mnist_dir), validation_size=0, source_url="")
    assert fetched == [input_data.DEFAULT_SOURCE_URL + input_data.TEST_LABELS]
    assert mnist.test.num_examples == N_TEST


def test_fake_data():
    mnist = input_data.read_data_sets("unused", fake_data=True)
    images, labels = mnist.test.next_batch(3, fake_data=True)
    assert mnist.test.num_examples == 10000
    assert np.array(images).shape == (3, 784) and labels == [0, 0, 0]
