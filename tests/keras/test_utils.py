"""``tf.keras.utils``: ``to_categorical`` and ``get_file`` (cache, hashes, untar), and the
AttributeError for the Keras teachflow leaves out."""

from __future__ import annotations

import hashlib
import io
import tarfile

import numpy as np
import pytest

import teachflow as tf
from teachflow.keras.utils import file_cache


def test_to_categorical_shapes_and_dtypes():
    np.testing.assert_array_equal(
        tf.keras.utils.to_categorical([2, 0, 1]), [[0, 0, 1], [1, 0, 0], [0, 1, 0]]
    )
    assert tf.keras.utils.to_categorical([2, 0, 1]).dtype == np.float32
    # (n, 1) labels -- cifar10's -- give (n, classes), not (n, 1, classes).
    assert tf.keras.utils.to_categorical(np.array([[3], [1]]), 5).shape == (2, 5)
    assert tf.keras.utils.to_categorical([[0, 1], [1, 0]], dtype="int64").shape == (2, 2, 2)
    assert tf.keras.utils.to_categorical([1], num_classes=3, dtype="int64").dtype == np.int64


@pytest.fixture
def network(monkeypatch):
    served = {}
    fetched = []

    def urlretrieve(url, filename):
        fetched.append(url)
        with open(filename, "wb") as f:
            f.write(served[url])

    monkeypatch.setattr(file_cache, "_urlretrieve", urlretrieve)
    return served, fetched


def test_get_file_downloads_once_into_cache_subdir(tmp_path, network):
    served, fetched = network
    served["https://example.com/data/a.txt"] = b"hello"
    path = tf.keras.utils.get_file(origin="https://example.com/data/a.txt", cache_dir=str(tmp_path))
    assert path == str(tmp_path / "datasets" / "a.txt")
    assert (
        tf.keras.utils.get_file("a.txt", "https://example.com/data/a.txt", cache_dir=str(tmp_path))
        == path
    )
    assert fetched == ["https://example.com/data/a.txt"]


def test_get_file_checks_hashes_as_keras(tmp_path, network, capsys):
    served, fetched = network
    served["https://example.com/b"] = b"new bytes"
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "b").write_bytes(b"old bytes")
    good_sha = hashlib.sha256(b"old bytes").hexdigest()
    good_md5 = hashlib.md5(b"old bytes").hexdigest()
    tf.keras.utils.get_file(
        "b", "https://example.com/b", file_hash=good_sha, cache_dir=str(tmp_path)
    )
    tf.keras.utils.get_file(
        "b", "https://example.com/b", md5_hash=good_md5, cache_dir=str(tmp_path)
    )
    assert fetched == []
    wrong = hashlib.sha256(b"other").hexdigest()
    path = tf.keras.utils.get_file(
        "b", "https://example.com/b", file_hash=wrong, cache_dir=str(tmp_path)
    )
    assert (
        "the auto file hash does not match the original value of " + wrong
        in capsys.readouterr().out
    )
    assert fetched == ["https://example.com/b"]
    assert open(path, "rb").read() == b"new bytes"
    assert tf.keras.utils.validate_file(path, hashlib.md5(b"new bytes").hexdigest())


def test_get_file_untar(tmp_path, network):
    served, _ = network
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo("pack/inside.txt")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"ok"))
    served["https://example.com/pack.tar.gz"] = buffer.getvalue()
    path = tf.keras.utils.get_file(
        "pack", "https://example.com/pack.tar.gz", untar=True, cache_dir=str(tmp_path)
    )
    assert path == str(tmp_path / "datasets" / "pack")
    assert (tmp_path / "datasets" / "pack.tar.gz").exists()
    assert open(f"{path}/inside.txt").read() == "ok"


def test_get_file_cache_dir_defaults(tmp_path, monkeypatch, network):
    served, _ = network
    served["https://example.com/c"] = b"c"
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))
    (tmp_path / "kh").mkdir()
    assert tf.keras.utils.get_file("c", "https://example.com/c") == str(
        tmp_path / "kh" / "datasets" / "c"
    )
    monkeypatch.delenv("KERAS_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home" / ".keras").mkdir(parents=True)
    assert tf.keras.utils.get_file("c", "https://example.com/c") == str(
        tmp_path / "home" / ".keras" / "datasets" / "c"
    )


def test_get_file_errors(network):
    with pytest.raises(ValueError, match="Please specify the 'origin' argument"):
        tf.keras.utils.get_file("x")
    with pytest.raises(ValueError, match="Invalid origin 'https://example.com/'"):
        tf.keras.utils.get_file(origin="https://example.com/")


@pytest.mark.parametrize("name", ["layers", "models", "Sequential", "optimizers", "backend"])
def test_rest_of_keras_is_out_of_scope(name):
    with pytest.raises(
        AttributeError, match=r"only tf\.keras\.datasets and tf\.keras\.utils.*use tf\.layers"
    ):
        getattr(tf.keras, name)
    assert hasattr(tf.compat.v1.keras, "datasets")
