"""MNIST as TF 1.x tutorials load it: ``input_data.read_data_sets("MNIST_data/", one_hot=True)``.

TF 1.15's loader (``tensorflow/contrib/learn/python/learn/datasets/mnist.py``, re-exported
by ``tensorflow.examples.tutorials.mnist.input_data``), with its behaviour kept exactly:

* the four idx files (``train-images-idx3-ubyte.gz`` ...) are read from ``train_dir`` and
  downloaded from `DEFAULT_SOURCE_URL` only when missing (`maybe_download`);
* the first ``validation_size`` training examples become the validation set;
* images are flattened to 784 floats scaled into [0, 1] (``dtype=tf.uint8`` keeps 0..255);
* `DataSet.next_batch` shuffles with NumPy's *global* generator, seeded when the `DataSet`
  is made from the graph-level seed (``tf.set_random_seed``) or the ``seed=`` argument, the
  way TF's ``random_seed.get_seed`` hands them out -- so a program that sets a seed sees
  the batches TensorFlow's loader gave it.

    >>> import numpy as np
    >>> images = np.arange(6 * 2 * 2, dtype=np.uint8).reshape(6, 2, 2, 1)
    >>> data = DataSet(images, np.arange(6, dtype=np.uint8), seed=3)
    >>> data.images.shape, data.images.dtype, data.num_examples
    ((6, 4), dtype('float32'), 6)
    >>> for _ in range(3):
    ...     print(data.next_batch(4, shuffle=False)[1], data.epochs_completed)
    [0 1 2 3] 0
    [4 5 0 1] 1
    [2 3 4 5] 1
"""

from __future__ import annotations

import collections
import gzip
import os
import tempfile
import urllib.request

import numpy

from teachflow import gfile
from teachflow.framework import dtypes, random_seed

__all__ = [
    "DEFAULT_SOURCE_URL",
    "DataSet",
    "Datasets",
    "dense_to_one_hot",
    "extract_images",
    "extract_labels",
    "maybe_download",
    "read_data_sets",
]

# TF 1.15's default: Google's CVDF mirror of http://yann.lecun.com/exdb/mnist/.
DEFAULT_SOURCE_URL = "https://storage.googleapis.com/cvdf-datasets/mnist/"

TRAIN_IMAGES = "train-images-idx3-ubyte.gz"
TRAIN_LABELS = "train-labels-idx1-ubyte.gz"
TEST_IMAGES = "t10k-images-idx3-ubyte.gz"
TEST_LABELS = "t10k-labels-idx1-ubyte.gz"

# The idx format's magic numbers: 0x0803 (unsigned bytes, 3 dimensions) for images,
# 0x0801 (unsigned bytes, 1 dimension) for labels.
_IMAGES_MAGIC = 2051
_LABELS_MAGIC = 2049

Datasets = collections.namedtuple("Datasets", ["train", "validation", "test"])


def _read32(bytestream) -> int:
    # idx headers are big-endian uint32s.
    return int(numpy.frombuffer(bytestream.read(4), dtype=numpy.dtype(">u4"))[0])


def extract_images(f) -> numpy.ndarray:
    """The images of an idx3 ``.gz`` file object, a uint8 array ``[index, y, x, 1]``.

    Raises ValueError (TF's words) when the file does not start with the magic 2051.
    """
    print("Extracting", f.name)
    with gzip.GzipFile(fileobj=f) as bytestream:
        magic = _read32(bytestream)
        if magic != _IMAGES_MAGIC:
            raise ValueError(f"Invalid magic number {magic} in MNIST image file: {f.name}")
        num_images = _read32(bytestream)
        rows = _read32(bytestream)
        cols = _read32(bytestream)
        buf = bytestream.read(rows * cols * num_images)
        data = numpy.frombuffer(buf, dtype=numpy.uint8)
        return data.reshape(num_images, rows, cols, 1)


def dense_to_one_hot(labels_dense, num_classes):
    """Class numbers as one-hot rows (float64, as TF's loader makes them).

    >>> dense_to_one_hot(numpy.array([2, 0]), 3)
    array([[0., 0., 1.],
           [1., 0., 0.]])
    """
    num_labels = labels_dense.shape[0]
    index_offset = numpy.arange(num_labels) * num_classes
    labels_one_hot = numpy.zeros((num_labels, num_classes))
    labels_one_hot.flat[index_offset + labels_dense.ravel()] = 1
    return labels_one_hot


def extract_labels(f, one_hot=False, num_classes=10) -> numpy.ndarray:
    """The labels of an idx1 ``.gz`` file object: uint8 ``[index]``, or one-hot float64 rows.

    Raises ValueError (TF's words) when the file does not start with the magic 2049.
    """
    print("Extracting", f.name)
    with gzip.GzipFile(fileobj=f) as bytestream:
        magic = _read32(bytestream)
        if magic != _LABELS_MAGIC:
            raise ValueError(f"Invalid magic number {magic} in MNIST label file: {f.name}")
        num_items = _read32(bytestream)
        labels = numpy.frombuffer(bytestream.read(num_items), dtype=numpy.uint8)
        if one_hot:
            return dense_to_one_hot(labels, num_classes)
        return labels


class DataSet:
    """Images and labels served in (shuffled) mini-batches, epoch after epoch.

    ``dtype`` is ``tf.float32`` (pixels scaled into [0, 1]) or ``tf.uint8`` (left 0..255);
    anything else is a TypeError. ``reshape=True`` flattens ``[n, rows, cols, 1]`` images
    to ``[n, rows * cols]``. ``fake_data=True`` makes a 10000-example set whose batches
    are all-ones images (``one_hot`` then shapes the fake labels).
    """

    def __init__(
        self,
        images,
        labels,
        fake_data=False,
        one_hot=False,
        dtype=dtypes.float32,
        reshape=True,
        seed=None,
    ):
        seed1, seed2 = random_seed.get_seed(seed)
        # TF seeds NumPy's global generator -- with the graph-level seed unless an op-level
        # seed is given; with neither, get_seed gives None and NumPy takes fresh entropy.
        numpy.random.seed(seed1 if seed is None else seed2)
        dtype = dtypes.as_dtype(dtype).base_dtype
        if dtype not in (dtypes.uint8, dtypes.float32):
            raise TypeError(f"Invalid image dtype {dtype!r}, expected uint8 or float32")
        if fake_data:
            self._num_examples = 10000
            self.one_hot = one_hot
        else:
            assert images.shape[0] == labels.shape[0], (
                f"images.shape: {images.shape} labels.shape: {labels.shape}"
            )
            self._num_examples = images.shape[0]
            if reshape:
                assert images.shape[3] == 1
                images = images.reshape(images.shape[0], images.shape[1] * images.shape[2])
            if dtype == dtypes.float32:
                # Multiplying by 1/255 (not dividing by 255) gives TF's float32 roundings.
                images = numpy.multiply(images.astype(numpy.float32), 1.0 / 255.0)
        self._images = images
        self._labels = labels
        self._epochs_completed = 0
        self._index_in_epoch = 0

    @property
    def images(self):
        return self._images

    @property
    def labels(self):
        return self._labels

    @property
    def num_examples(self) -> int:
        return self._num_examples

    @property
    def epochs_completed(self) -> int:
        return self._epochs_completed

    def _shuffle(self) -> None:
        perm = numpy.arange(self._num_examples)
        numpy.random.shuffle(perm)
        self._images = self._images[perm]
        self._labels = self._labels[perm]

    def next_batch(self, batch_size, fake_data=False, shuffle=True):
        """The next ``(images, labels)`` batch of ``batch_size`` examples.

        The first call shuffles the whole set (when ``shuffle``). A batch that runs past
        the end of an epoch takes the epoch's remaining examples, reshuffles, and fills up
        from the start of the next epoch, counting one more ``epochs_completed``.
        """
        if fake_data:
            fake_image = [1] * 784
            fake_label = [1] + [0] * 9 if self.one_hot else 0
            return [fake_image for _ in range(batch_size)], [fake_label for _ in range(batch_size)]
        start = self._index_in_epoch
        if self._epochs_completed == 0 and start == 0 and shuffle:
            self._shuffle()
        if start + batch_size > self._num_examples:
            self._epochs_completed += 1
            images_rest = self._images[start : self._num_examples]
            labels_rest = self._labels[start : self._num_examples]
            if shuffle:
                self._shuffle()
            self._index_in_epoch = batch_size - (self._num_examples - start)
            end = self._index_in_epoch
            return (
                numpy.concatenate((images_rest, self._images[:end]), axis=0),
                numpy.concatenate((labels_rest, self._labels[:end]), axis=0),
            )
        self._index_in_epoch += batch_size
        end = self._index_in_epoch
        return self._images[start:end], self._labels[start:end]


def _urlretrieve(url: str, filename: str) -> None:
    # One name for the network, so a test can stand in for it.
    urllib.request.urlretrieve(url, filename)


def maybe_download(filename, work_directory, source_url):
    """``work_directory/filename``, downloaded from ``source_url`` first if it is missing.

    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> open(os.path.join(folder, "t10k-labels-idx1-ubyte.gz"), "wb").close()
    >>> maybe_download("t10k-labels-idx1-ubyte.gz", folder, "https://...") == os.path.join(
    ...     folder, "t10k-labels-idx1-ubyte.gz")
    True
    """
    if not gfile.Exists(work_directory):
        gfile.MakeDirs(work_directory)
    filepath = os.path.join(work_directory, filename)
    if not gfile.Exists(filepath):
        with tempfile.NamedTemporaryFile() as tmpfile:
            _urlretrieve(source_url, tmpfile.name)
            gfile.Copy(tmpfile.name, filepath)
        print("Successfully downloaded", filename, os.path.getsize(filepath), "bytes.")
    return filepath


def _read(train_dir, filename, source_url, extract, **kwargs):
    local_file = maybe_download(filename, train_dir, source_url + filename)
    with gfile.Open(local_file, "rb") as f:
        return extract(f, **kwargs)


def read_data_sets(
    train_dir,
    fake_data=False,
    one_hot=False,
    dtype=dtypes.float32,
    reshape=True,
    validation_size=5000,
    seed=None,
    source_url=DEFAULT_SOURCE_URL,
):
    """``Datasets(train, validation, test)`` of MNIST from (or downloaded into) ``train_dir``.

    ``one_hot=True`` gives labels as one-hot rows; ``validation_size`` examples are split
    off the front of the training files (ValueError unless 0 <= it <= their number).

    >>> mnist = read_data_sets("MNIST_data/", fake_data=True, one_hot=True)
    >>> images, labels = mnist.train.next_batch(2, fake_data=True)
    >>> len(images[0]), labels[0]
    (784, [1, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    """
    if fake_data:

        def fake():
            return DataSet([], [], fake_data=True, one_hot=one_hot, dtype=dtype, seed=seed)

        return Datasets(train=fake(), validation=fake(), test=fake())

    if not source_url:
        source_url = DEFAULT_SOURCE_URL
    train_images = _read(train_dir, TRAIN_IMAGES, source_url, extract_images)
    train_labels = _read(train_dir, TRAIN_LABELS, source_url, extract_labels, one_hot=one_hot)
    test_images = _read(train_dir, TEST_IMAGES, source_url, extract_images)
    test_labels = _read(train_dir, TEST_LABELS, source_url, extract_labels, one_hot=one_hot)

    if not 0 <= validation_size <= len(train_images):
        raise ValueError(
            f"Validation size should be between 0 and {len(train_images)}. Received: {validation_size}."
        )
    validation_images = train_images[:validation_size]
    validation_labels = train_labels[:validation_size]
    train_images = train_images[validation_size:]
    train_labels = train_labels[validation_size:]

    options = dict(dtype=dtype, reshape=reshape, seed=seed)
    return Datasets(
        train=DataSet(train_images, train_labels, **options),
        validation=DataSet(validation_images, validation_labels, **options),
        test=DataSet(test_images, test_labels, **options),
    )
