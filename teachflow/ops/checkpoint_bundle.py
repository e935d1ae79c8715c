"""The tensor bundle: how a checkpoint lies on disk (teachflow's own format, never pickle).

A checkpoint is named by its *prefix*, as in TensorFlow's V2 format. ``dir/model.ckpt-100``
is the files

* ``dir/model.ckpt-100.index``: JSON naming, for every saved tensor, its dtype, shape and
  where its bytes are (which data file, offset, length);
* ``dir/model.ckpt-100.data-00000-of-00001``: the tensors' raw bytes, one after another
  (little-endian; a string tensor is each element's 8-byte length and then its bytes).

A sharded save (one save op per device, each on its own task) writes one data file per
shard and a single merged index, so a checkpoint of variables held on two ps tasks is
``model.ckpt.index``, ``model.ckpt.data-00000-of-00002`` and ``model.ckpt.data-00001-of-00002``.

    >>> import os, tempfile, numpy as np
    >>> from teachflow.framework import dtypes
    >>> from teachflow.ops import checkpoint_bundle as bundle
    >>> prefix = os.path.join(tempfile.mkdtemp(), "model.ckpt")
    >>> bundle.write(prefix, ["w"], [np.float32([1, 2])])
    >>> sorted(os.listdir(os.path.dirname(prefix)))
    ['model.ckpt.data-00000-of-00001', 'model.ckpt.index']
    >>> bundle.read_tensor(prefix, bundle.read_index(prefix), "w", dtypes.float32)
    array([1., 2.], dtype=float32)
"""

from __future__ import annotations

import glob
import json
import os
import struct

import numpy as np

from teachflow.framework import dtypes, errors

FORMAT = "teachflow.tensor_bundle"
VERSION = 1

# TensorFlow's DataTypeString spelling, which its restore errors use ("float", not "float32").
_TF_TYPE_NAMES = {"float32": "float", "float64": "double", "float16": "half"}


def tf_type_name(dtype) -> str:
    return _TF_TYPE_NAMES.get(dtype.name, dtype.name)


def index_path(prefix: str) -> str:
    return prefix + ".index"


def data_path(prefix: str, shard: int, num_shards: int) -> str:
    return f"{prefix}.data-{shard:05d}-of-{num_shards:05d}"


def exists(prefix: str) -> bool:
    return os.path.isfile(index_path(prefix))


# -- encoding one tensor ------------------------------------------------------------------
def _encode(array, dtype) -> bytes:
    if dtype is dtypes.string:
        parts = []
        for item in np.asarray(array, dtype=object).reshape(-1):
            b = item.encode("utf-8") if isinstance(item, str) else bytes(item)
            parts.append(struct.pack("<Q", len(b)))
            parts.append(b)
        return b"".join(parts)
    np_dtype = np.dtype(dtype.as_numpy_dtype).newbyteorder("<")
    return np.ascontiguousarray(array, dtype=np_dtype).tobytes()


def _decode(buffer: bytes, dtype, shape):
    count = int(np.prod(shape, dtype=np.int64))
    if dtype is dtypes.string:
        out = np.empty(count, dtype=object)
        pos = 0
        for i in range(count):
            (n,) = struct.unpack_from("<Q", buffer, pos)
            pos += 8
            out[i] = bytes(buffer[pos : pos + n])
            pos += n
        return out[0] if not shape else out.reshape(shape)
    np_dtype = np.dtype(dtype.as_numpy_dtype)
    arr = np.frombuffer(buffer, dtype=np_dtype.newbyteorder("<"), count=count)
    arr = arr.astype(np_dtype).reshape(shape)  # a private, writable, native-order copy
    return arr[()] if not shape else arr


# -- writing --------------------------------------------------------------------------------
def _make_prefix_dir(prefix: str) -> None:
    # TF's bundle writer creates the prefix's own directory (a sharded save's "_temp"
    # folder) but not the folders above it: a missing parent is NotFoundError.
    directory = os.path.dirname(prefix)
    if directory and not os.path.isdir(directory):
        try:
            os.mkdir(directory)
        except FileExistsError:
            pass
        except OSError:
            raise errors.NotFoundError(
                None, None, f"{directory}; No such file or directory"
            ) from None


def _atomic_write(path: str, payload: bytes) -> None:
    # Written aside and renamed, so a reader never sees half a file (TF's ".tempstate").
    tmp = f"{path}.tempstate{os.getpid()}"
    try:
        with open(tmp, "wb") as f:
            f.write(payload)
    except OSError as e:
        raise errors.NotFoundError(
            None, None, f"{os.path.dirname(path) or '.'}; {e.strerror}"
        ) from None
    os.replace(tmp, path)


def write(prefix: str, names, arrays, dtypes_=None) -> None:
    """Write one bundle: ``prefix.index`` and ``prefix.data-00000-of-00001``."""
    _make_prefix_dir(prefix)
    if dtypes_ is None:
        dtypes_ = [dtypes.as_dtype(np.asarray(a).dtype) for a in arrays]
    entries = {}
    chunks = []
    offset = 0
    for name, array, dtype in zip(names, arrays, dtypes_):
        payload = _encode(array, dtype)
        entries[name] = {
            "dtype": dtype.name,
            "shape": list(np.shape(array)),
            "shard": 0,
            "offset": offset,
            "length": len(payload),
        }
        chunks.append(payload)
        offset += len(payload)
    _atomic_write(data_path(prefix, 0, 1), b"".join(chunks))
    index = {"format": FORMAT, "version": VERSION, "num_shards": 1, "tensors": entries}
    _atomic_write(index_path(prefix), json.dumps(index, sort_keys=True).encode())


def merge(shard_prefixes, destination: str, delete_old_dirs: bool = True) -> None:
    """Merge the bundles of a sharded save into one checkpoint at ``destination``.

    Each shard's data file is renamed to ``destination.data-<i>-of-<n>``; the indexes are
    merged into ``destination.index`` (TF's MergeV2Checkpoints)."""
    num_shards = len(shard_prefixes)
    entries = {}
    for shard, prefix in enumerate(shard_prefixes):
        index = read_index(prefix)
        for name, entry in index["tensors"].items():
            entries[name] = dict(entry, shard=shard)
        os.replace(data_path(prefix, 0, 1), data_path(destination, shard, num_shards))
        os.remove(index_path(prefix))
    index = {"format": FORMAT, "version": VERSION, "num_shards": num_shards, "tensors": entries}
    _atomic_write(index_path(destination), json.dumps(index, sort_keys=True).encode())
    if delete_old_dirs:
        for d in {os.path.dirname(p) for p in shard_prefixes}:
            if d and d != os.path.dirname(destination):
                try:
                    os.rmdir(d)
                except OSError:
                    pass


# -- reading --------------------------------------------------------------------------------
def read_index(prefix: str) -> dict:
    """The parsed index of the checkpoint ``prefix``; NotFoundError when there is none."""
    try:
        with open(index_path(prefix), "rb") as f:
            index = json.loads(f.read().decode("utf-8"))
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        raise errors.NotFoundError(
            None,
            None,
            "Unsuccessful TensorSliceReader constructor: Failed to find any matching files "
            f"for {prefix}",
        ) from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise errors.DataLossError(
            None, None, f"Unable to open table file {index_path(prefix)}: not a checkpoint index"
        ) from None
    if not isinstance(index, dict) or index.get("format") != FORMAT:
        raise errors.DataLossError(
            None, None, f"Unable to open table file {index_path(prefix)}: not a checkpoint index"
        )
    return index


def read_tensor(prefix: str, index: dict, name: str, dtype=None):
    """One saved tensor; NotFoundError for a name the checkpoint lacks, InvalidArgumentError
    when ``dtype`` is given and differs from the saved one (TF's RestoreV2 messages)."""
    entry = index["tensors"].get(name)
    if entry is None:
        raise errors.NotFoundError(None, None, f"Key {name} not found in checkpoint")
    saved = dtypes.as_dtype(entry["dtype"])
    if dtype is not None and dtype.base_dtype is not saved:
        raise errors.InvalidArgumentError(
            None,
            None,
            f"tensor_name = {name}; expected dtype {tf_type_name(dtype.base_dtype)} does not "
            f"equal original dtype {tf_type_name(saved)}",
        )
    path = data_path(prefix, entry["shard"], index["num_shards"])
    try:
        with open(path, "rb") as f:
            f.seek(entry["offset"])
            buffer = f.read(entry["length"])
    except FileNotFoundError:
        raise errors.DataLossError(None, None, f"Checkpoint data file missing: {path}") from None
    if len(buffer) != entry["length"]:
        raise errors.DataLossError(None, None, f"Checkpoint data file truncated: {path}")
    return _decode(buffer, saved, tuple(entry["shape"]))


def variables(prefix: str) -> list:
    """``[(name, shape), ...]`` sorted by name, as ``tf.train.list_variables`` gives them."""
    index = read_index(prefix)
    return [(n, list(e["shape"])) for n, e in sorted(index["tensors"].items())]


def files(prefix: str) -> list:
    """Every file of the checkpoint ``prefix`` (index and data shards)."""
    found = glob.glob(glob.escape(prefix) + ".data-?????-of-?????")
    if exists(prefix):
        found.append(index_path(prefix))
    return sorted(found)
