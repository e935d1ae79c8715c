"""The tensor bundle: how a checkpoint lies on disk, in TensorFlow's V2 format (never pickle).

A checkpoint is named by its *prefix*. ``dir/model.ckpt-100`` is the files

* ``dir/model.ckpt-100.index``: a table (`teachflow.proto.table`, LevelDB's SSTable) whose
  entry ``""`` is a ``BundleHeaderProto`` (number of shards, endianness, version) and whose
  other entries, one per saved tensor and sorted by name, are ``BundleEntryProto``: dtype,
  shape, which data file (shard), offset, size and the masked CRC-32C of its bytes;
* ``dir/model.ckpt-100.data-00000-of-00001``: the tensors' raw little-endian bytes, one
  after another; a string tensor is the varint lengths of its elements, a masked CRC-32C of
  those lengths, then the elements' bytes.

These are TensorFlow's files byte for byte: TensorFlow restores what teachflow saved, and
the reverse. A partitioned variable's shards are saved as *slices* of one tensor (see
`teachflow.ops.checkpoint_slices`): the entry ``w`` has the full shape and lists its
slices, each slice's bytes are an entry of its own, and reading ``w`` assembles them. A sharded save (one save op per device, each on its own task) writes one data
file per shard and a single merged index, so a checkpoint of variables held on two ps tasks
is ``model.ckpt.index``, ``model.ckpt.data-00000-of-00002`` and
``model.ckpt.data-00001-of-00002``.

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
import os
import struct

import numpy as np

from teachflow.framework import dtypes, errors
from teachflow.ops import checkpoint_slices
from teachflow.proto import crc32c, table
from teachflow.proto import tensor_bundle_pb2 as bundle_pb2

# TensorFlow's kTensorBundleVersion: what the header's version.producer says.
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
def _varint(n: int) -> bytes:
    out = bytearray()
    table.put_varint(out, n)
    return bytes(out)


def _encode(array, dtype):
    """(bytes, crc32c) of one tensor as TF's BundleWriter writes it."""
    if dtype is dtypes.string:
        items = [
            item.encode("utf-8") if isinstance(item, str) else bytes(item)
            for item in np.asarray(array, dtype=object).reshape(-1)
        ]
        # TF checksums each length as the 4 (or, past 4 GiB, 8) bytes of an integer.
        crc = 0
        for b in items:
            crc = crc32c.extend(crc, struct.pack("<I" if len(b) <= 0xFFFFFFFF else "<Q", len(b)))
        lengths_crc = struct.pack("<I", crc32c.mask(crc))
        crc = crc32c.extend(crc, lengths_crc)
        for b in items:
            crc = crc32c.extend(crc, b)
        payload = b"".join(_varint(len(b)) for b in items) + lengths_crc + b"".join(items)
        return payload, crc
    np_dtype = np.dtype(dtype.as_numpy_dtype).newbyteorder("<")
    payload = np.ascontiguousarray(array, dtype=np_dtype).tobytes()
    return payload, crc32c.value(payload)


def _decode(buffer: bytes, dtype, shape, name: str):
    count = int(np.prod(shape, dtype=np.int64))
    if dtype is dtypes.string:
        lengths, pos = [], 0
        try:
            for _ in range(count):
                n, pos = table.get_varint(buffer, pos)
                lengths.append(n)
        except table.TableError:
            raise _corrupt(name, "string lengths") from None
        pos += 4  # the lengths' checksum (the whole tensor's CRC is checked by the caller)
        out = np.empty(count, dtype=object)
        for i, n in enumerate(lengths):
            out[i] = bytes(buffer[pos : pos + n])
            pos += n
        return out[0] if not shape else out.reshape(shape)
    np_dtype = np.dtype(dtype.as_numpy_dtype)
    arr = np.frombuffer(buffer, dtype=np_dtype.newbyteorder("<"), count=count)
    arr = arr.astype(np_dtype).reshape(shape)  # a private, writable, native-order copy
    return arr[()] if not shape else arr


def _corrupt(name: str, what: str) -> errors.DataLossError:
    return errors.DataLossError(None, None, f"Checksum does not match: stored {what} of {name}")


def _entry_proto(entry: dict) -> bytes:
    pb = bundle_pb2.BundleEntryProto(
        dtype=dtypes.as_dtype(entry["dtype"]).enum,
        shard_id=entry["shard"],
        offset=entry["offset"],
        size=entry["length"],
        crc32c=entry["crc32c"],
    )
    pb.shape.SetInParent()
    for d in entry["shape"]:
        pb.shape.dim.add(size=d)
    for tensor_slice in entry.get("slices", ()):
        tensor_slice.to_proto(pb.slices.add())
    return pb.SerializeToString()


def _index_bytes(num_shards: int, entries: dict) -> bytes:
    """The index table; ``entries`` is keyed by the bytes of each key (a slice's key is
    not UTF-8), and the table is sorted by them."""
    header = bundle_pb2.BundleHeaderProto(num_shards=num_shards)
    header.version.producer = VERSION
    rows = [(b"", header.SerializeToString())]
    rows += [(key, _entry_proto(entries[key])) for key in sorted(entries)]
    return table.write_table(rows)


def _sliced_entry(entries: dict, name: str, dtype, full_shape, tensor_slice) -> None:
    # The full tensor's entry: dtype, shape and the list of slices, no bytes of its own
    # (TF's BundleWriter::AddSlice).
    entry = entries.setdefault(
        name.encode("utf-8"),
        {
            "dtype": dtype.name,
            "shape": list(full_shape),
            "shard": 0,
            "offset": 0,
            "length": 0,
            "crc32c": 0,
            "slices": [],
        },
    )
    if entry["dtype"] != dtype.name or entry["shape"] != list(full_shape):
        raise errors.InvalidArgumentError(
            None, None, f"Slices of {name} disagree on its dtype or full shape"
        )
    entry["slices"].append(tensor_slice)


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


def write(prefix: str, names, arrays, dtypes_=None, specs=None) -> None:
    """Write one bundle: ``prefix.index`` and ``prefix.data-00000-of-00001``.

    ``specs`` (one per tensor, ``""`` for a whole tensor) saves a tensor as a slice of the
    named full tensor: ``"5 2 3,2:0,2"`` is rows 3-4 of a 5 by 2 tensor."""
    _make_prefix_dir(prefix)
    if dtypes_ is None:
        dtypes_ = [dtypes.as_dtype(np.asarray(a).dtype) for a in arrays]
    specs = specs or [""] * len(names)
    entries = {}
    chunks = []
    offset = 0
    for name, array, dtype, spec in zip(names, arrays, dtypes_, specs):
        key = name.encode("utf-8")
        if spec:
            full_shape, tensor_slice = checkpoint_slices.parse_spec(spec)
            if list(np.shape(array)) != tensor_slice.shape(full_shape):
                raise errors.InvalidArgumentError(
                    None,
                    None,
                    f"Shape {list(np.shape(array))} of the tensor saved as {name} does not "
                    f"match its slice spec {spec}",
                )
            if not tensor_slice.covers(full_shape):
                _sliced_entry(entries, name, dtype, full_shape, tensor_slice)
                key = checkpoint_slices.key(name, tensor_slice)
        payload, crc = _encode(array, dtype)
        entries[key] = {
            "dtype": dtype.name,
            "shape": list(np.shape(array)),
            "shard": 0,
            "offset": offset,
            "length": len(payload),
            "crc32c": crc32c.mask(crc),
        }
        chunks.append(payload)
        offset += len(payload)
    _atomic_write(data_path(prefix, 0, 1), b"".join(chunks))
    _atomic_write(index_path(prefix), _index_bytes(1, entries))


def merge(shard_prefixes, destination: str, delete_old_dirs: bool = True) -> None:
    """Merge the bundles of a sharded save into one checkpoint at ``destination``.

    Each shard's data file is renamed to ``destination.data-<i>-of-<n>``; the indexes are
    merged into ``destination.index`` (TF's MergeV2Checkpoints)."""
    num_shards = len(shard_prefixes)
    entries = {}
    for shard, prefix in enumerate(shard_prefixes):
        index = read_index(prefix)
        for key, entry in _all_entries(index):
            if key in entries and entries[key].get("slices") and entry.get("slices"):
                # Slices of one tensor saved by several shards: one entry lists them all.
                entries[key]["slices"] += entry["slices"]
                continue
            if key in entries:
                raise errors.InvalidArgumentError(
                    None,
                    None,
                    f"Duplicate tensor keyed by {key.decode('utf-8', 'replace')} encountered, "
                    f"when merging prefix: {prefix}",
                )
            entries[key] = dict(entry, shard=shard, slices=list(entry.get("slices", ())))
        os.replace(data_path(prefix, 0, 1), data_path(destination, shard, num_shards))
        os.remove(index_path(prefix))
    _atomic_write(index_path(destination), _index_bytes(num_shards, entries))
    if delete_old_dirs:
        for d in {os.path.dirname(p) for p in shard_prefixes}:
            if d and d != os.path.dirname(destination):
                try:
                    os.rmdir(d)
                except OSError:
                    pass


# -- reading --------------------------------------------------------------------------------
def _not_an_index(prefix: str, why: str) -> errors.DataLossError:
    return errors.DataLossError(
        None, None, f"Unable to open table file {index_path(prefix)}: Data loss: {why}"
    )


def _all_entries(index: dict):
    """(key bytes, entry) of every row of an index, slices' rows included."""
    for name, entry in index["tensors"].items():
        yield name.encode("utf-8"), entry
    yield from index["slice_entries"].items()


def leaf_entries(index: dict) -> list:
    """(key bytes, entry) of the rows that hold bytes, sorted by key: the plain tensors and
    each slice, not the full entries that list slices (what TF's ``debug_string`` shows)."""
    return sorted((k, e) for k, e in _all_entries(index) if not e.get("slices"))


def read_index(prefix: str) -> dict:
    """The parsed index of the checkpoint ``prefix``: ``{"num_shards": n, "tensors": {name:
    {"dtype", "shape", "shard", "offset", "length", "crc32c", "slices"}}, "slice_entries":
    {key: entry}}`` (a sliced tensor's entry lists its ``TensorSlice``s; each slice's bytes
    are the entry of its key); NotFoundError when there is none, DataLossError when it is
    damaged or not a checkpoint index."""
    try:
        with open(index_path(prefix), "rb") as f:
            raw = f.read()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        raise errors.NotFoundError(
            None,
            None,
            "Unsuccessful TensorSliceReader constructor: Failed to find any matching files "
            f"for {prefix}",
        ) from None
    try:
        rows = table.read_table(raw)
    except table.TableError as e:
        raise _not_an_index(
            prefix,
            f"{e}: perhaps your file is in a different file format and "
            "you need to use a different restore operator?",
        ) from None
    if not rows or rows[0][0] != b"":
        raise _not_an_index(prefix, "the index has no bundle header")
    header = bundle_pb2.BundleHeaderProto.FromString(rows[0][1])
    if header.endianness != bundle_pb2.BundleHeaderProto.LITTLE:
        raise _not_an_index(prefix, "big-endian checkpoints are not supported")
    tensors, slice_entries = {}, {}
    for key, value in rows[1:]:
        pb = bundle_pb2.BundleEntryProto.FromString(value)
        entry = {
            "dtype": dtypes.as_dtype(pb.dtype).name,
            "shape": [d.size for d in pb.shape.dim],
            "shard": pb.shard_id,
            "offset": pb.offset,
            "length": pb.size,
            "crc32c": pb.crc32c,
            "slices": [checkpoint_slices.TensorSlice.from_proto(s) for s in pb.slices],
        }
        if key.startswith(b"\x00"):  # OrderedCode's 0: a slice's key, not a name
            slice_entries[bytes(key)] = entry
        else:
            tensors[key.decode("utf-8")] = entry
    return {"num_shards": header.num_shards, "tensors": tensors, "slice_entries": slice_entries}


def _lookup(index: dict, name: str, dtype):
    """The entry of ``name``, checked against ``dtype`` as TF's RestoreV2 checks it."""
    entry = index["tensors"].get(name)
    if entry is None:
        raise errors.NotFoundError(None, None, f"Key {name} not found in checkpoint")
    saved = dtypes.as_dtype(entry["dtype"])
    if dtype is not None and dtype.base_dtype is not saved:
        raise errors.InvalidArgumentError(None, None, dtype_mismatch(name, dtype, saved))
    return entry


def dtype_mismatch(name: str, dtype, saved) -> str:
    return (
        f"tensor_name = {name}; expected dtype {tf_type_name(dtype.base_dtype)} does not "
        f"equal original dtype {tf_type_name(saved)}"
    )


def _read_bytes(prefix: str, index: dict, entry: dict, name: str):
    saved = dtypes.as_dtype(entry["dtype"])
    path = data_path(prefix, entry["shard"], index["num_shards"])
    try:
        with open(path, "rb") as f:
            f.seek(entry["offset"])
            buffer = f.read(entry["length"])
    except FileNotFoundError:
        raise errors.DataLossError(None, None, f"Checkpoint data file missing: {path}") from None
    if len(buffer) != entry["length"]:
        raise errors.DataLossError(None, None, f"Checkpoint data file truncated: {path}")
    value = _decode(buffer, saved, tuple(entry["shape"]), name)
    # A string tensor's CRC covers its lengths as integers, not their varint bytes: it is
    # recomputed from the decoded elements, as TF's reader does.
    crc = _encode(value, saved)[1] if saved is dtypes.string else crc32c.value(buffer)
    if crc32c.mask(crc) != entry["crc32c"]:
        raise errors.DataLossError(
            None,
            None,
            f"Checksum does not match: stored {entry['crc32c']} vs. calculated on the restored "
            f"bytes {crc32c.mask(crc)} (tensor {name} in {path})",
        )
    return value


def _assemble(prefix: str, index: dict, name: str, entry: dict, wanted):
    """The part ``wanted`` (a TensorSlice) of the tensor ``name``, copied from the slices
    saved (TF's BundleReader::GetSliceValue)."""
    full_shape = entry["shape"]
    bounds = wanted.bounds(full_shape)
    saved = dtypes.as_dtype(entry["dtype"])
    if not entry["slices"]:
        value = np.asarray(_read_bytes(prefix, index, entry, name))
        return value[checkpoint_slices.relative(bounds, [(0, n) for n in full_shape])]
    out = np.empty(wanted.shape(full_shape), dtype=np.dtype(saved.as_numpy_dtype))
    covered = np.zeros(out.shape, dtype=bool)
    for stored in entry["slices"]:
        stored_bounds = stored.bounds(full_shape)
        both = checkpoint_slices.intersection(bounds, stored_bounds)
        if both is None:
            continue
        key = checkpoint_slices.key(name, stored)
        part = np.asarray(_read_bytes(prefix, index, index["slice_entries"][key], name))
        target = checkpoint_slices.relative(both, bounds)
        out[target] = part[checkpoint_slices.relative(both, stored_bounds)]
        covered[target] = True
    if not covered.all():
        raise errors.NotFoundError(
            None, None, f"Failed to find all slices of {name} that the requested slice needs"
        )
    return out


def read_tensor(prefix: str, index: dict, name: str, dtype=None):
    """One saved tensor (a sliced one assembled whole); NotFoundError for a name the
    checkpoint lacks, InvalidArgumentError when ``dtype`` is given and differs from the saved
    one (TF's RestoreV2 messages)."""
    entry = _lookup(index, name, dtype)
    if not entry["slices"]:
        return _read_bytes(prefix, index, entry, name)
    return _assemble(
        prefix, index, name, entry, checkpoint_slices.TensorSlice.full(len(entry["shape"]))
    )


def read_slice(prefix: str, index: dict, name: str, spec: str, dtype=None):
    """The slice ``spec`` (``"5 2 3,2:0,2"``) of the saved tensor ``name``, however it was
    saved: whole, or in slices cut another way. InvalidArgumentError when the spec's full
    shape is not the saved one."""
    entry = _lookup(index, name, dtype)
    full_shape, wanted = checkpoint_slices.parse_spec(spec)
    if full_shape != entry["shape"]:
        raise errors.InvalidArgumentError(
            None,
            None,
            f"tensor_name = {name}; shape in shape_and_slice spec {_dims(full_shape)} does not "
            f"match the shape stored in checkpoint: {_dims(entry['shape'])}",
        )
    return _assemble(prefix, index, name, entry, wanted)


def _dims(shape) -> str:
    return "[" + ",".join(str(d) for d in shape) + "]"


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
