"""What a dataset op computes: a description of a stream of elements, not the elements.

Running ``RangeDataset`` gives a `Range` value; running ``BatchDatasetV2`` on it gives a
`Batch` that holds the `Range`, and so on. Nothing is read until an iterator starts an
*iteration*: `DatasetValue.iterate` returns a Python generator that pulls elements from
its inputs' generators, one at a time. The generator is the iteration state (position in
a file, the shuffle buffer, the current batch); the iterator resource keeps it between
steps. Each element is a tuple of numpy values, one per component, with the dtypes and
shapes the graph promised.

An error in a user function (``map``) fails that element only, as in TensorFlow: the
generator yields an `ElementError`, which the next ``get_next`` raises, and the
iteration goes on after it.

    >>> import numpy as np
    >>> ds = Batch(Range(0, 5, 1), 2, False, [np.int64])
    >>> [e[0].tolist() for e in ds.iterate()]
    [[0, 1], [2, 3], [4]]
"""

from __future__ import annotations

import abc
import gzip
import itertools
import zlib

import numpy as np

from teachflow.framework import errors
from teachflow.ops.philox import PhiloxRandom, SingleSample, seed_pair
from teachflow.ops.reader_resources import open_file, read_whole_file
from teachflow.proto import tf_record


class ElementError:
    """An element whose computation failed: ``get_next`` raises ``error`` for it."""

    __slots__ = ("error",)

    def __init__(self, error):
        self.error = error


def _invalid(message):
    return errors.InvalidArgumentError(None, None, message)


def _value(a):
    """A 0-d component as a numpy scalar (or bytes), as every kernel returns it."""
    return a[()] if isinstance(a, np.ndarray) and a.ndim == 0 else a


class DatasetValue(abc.ABC):
    """A dataset: ``iterate()`` starts a new pass over its elements."""

    @abc.abstractmethod
    def iterate(self):
        """A generator of elements (tuples of numpy values) or `ElementError`s."""

    def __repr__(self):
        return f"<{type(self).__name__}>"


# -- sources --------------------------------------------------------------------------------
class Tensors(DatasetValue):
    """``from_tensors``: one element."""

    def __init__(self, components):
        self.components = tuple(_value(c) for c in components)

    def iterate(self):
        yield self.components


class TensorSlices(DatasetValue):
    """``from_tensor_slices``: the rows (dimension 0) of every component, in step."""

    def __init__(self, components):
        arrays = [np.asarray(c) if not isinstance(c, np.ndarray) else c for c in components]
        sizes = {a.shape[0] if a.ndim else None for a in arrays}
        if None in sizes:
            raise _invalid("Input for from_tensor_slices must have rank at least 1")
        if len(sizes) != 1:
            raise _invalid(
                "All components must have the same size in the 0th dimension: "
                + " vs. ".join(str(a.shape[0]) for a in arrays)
            )
        self.arrays = arrays
        self.size = sizes.pop()

    def iterate(self):
        arrays = self.arrays
        for i in range(self.size):
            yield tuple(_value(a[i]) for a in arrays)


class Range(DatasetValue):
    """``range(start, stop, step)`` as int64."""

    def __init__(self, start, stop, step):
        if step == 0:
            raise _invalid("step must be a non-zero integer.")
        self.bounds = (int(start), int(stop), int(step))

    def iterate(self):
        for i in range(*self.bounds):
            yield (np.int64(i),)


def _read_lines(data: bytes):
    # TF's InputBuffer::ReadLine: split at "\n", drop one trailing "\r"; no empty last line.
    lines = data.split(b"\n")
    if lines[-1].rstrip(b"\r") == b"":
        lines.pop()
    return [line[:-1] if line.endswith(b"\r") else line for line in lines]


_DECOMPRESS = {b"": None, b"GZIP": gzip.decompress, b"ZLIB": zlib.decompress}


def _decompressor(compression):
    if compression not in _DECOMPRESS:
        raise _invalid(f"Unsupported compression_type: {compression.decode()}")
    return _DECOMPRESS[compression]


def _file_contents(filename, decompress):
    data = read_whole_file(filename)
    return decompress(data) if decompress is not None else data


class TextLines(DatasetValue):
    """``TextLineDataset``: the lines of each file in turn (scalar strings)."""

    def __init__(self, filenames, compression):
        self.filenames = [bytes(f) for f in np.asarray(filenames, dtype=object).reshape(-1)]
        self.decompress = _decompressor(compression)

    def iterate(self):
        for filename in self.filenames:
            if self.decompress is None:
                with open_file(filename) as f:
                    lines = _read_lines(f.read())
            else:
                lines = _read_lines(_file_contents(filename, self.decompress))
            for line in lines:
                yield (line,)


class FixedLengthRecords(DatasetValue):
    """``FixedLengthRecordDataset``: records of ``record_bytes`` between header and footer."""

    def __init__(self, filenames, header, record, footer, compression):
        if record <= 0:
            raise _invalid(f"record_bytes must be greater than zero, got {record}")
        self.filenames = [bytes(f) for f in np.asarray(filenames, dtype=object).reshape(-1)]
        self.sizes = (int(header), int(record), int(footer))
        self.decompress = _decompressor(compression)

    def iterate(self):
        header, record, footer = self.sizes
        for filename in self.filenames:
            data = _file_contents(filename, self.decompress)
            body = data[header : max(len(data) - footer, header)]
            for start in range(0, len(body) - record + 1, record):
                yield (body[start : start + record],)


class TFRecords(DatasetValue):
    """``TFRecordDataset``: the records of each TFRecord file in turn; a corrupted or torn
    record ends the pass with DataLossError, as TF's reader."""

    def __init__(self, filenames, compression):
        self.filenames = [bytes(f) for f in np.asarray(filenames, dtype=object).reshape(-1)]
        self.decompress = _decompressor(compression)

    def iterate(self):
        for filename in self.filenames:
            try:
                for record in tf_record.records(_file_contents(filename, self.decompress)):
                    yield (record,)
            except tf_record.RecordError as e:
                yield ElementError(errors.DataLossError(None, None, str(e)))
                return


# -- transformations --------------------------------------------------------------------------
class Repeat(DatasetValue):
    def __init__(self, source, count):
        self.source, self.count = source, int(count)

    def iterate(self):
        epochs = itertools.count() if self.count < 0 else range(self.count)
        for _ in epochs:
            produced = False
            for element in self.source.iterate():
                produced = True
                yield element
            if not produced:
                return  # repeating an empty dataset forever gives nothing, not a hang


class Take(DatasetValue):
    def __init__(self, source, count):
        self.source, self.count = source, int(count)

    def iterate(self):
        left = self.count
        for element in self.source.iterate():
            if left == 0:
                return
            yield element
            if type(element) is not ElementError:
                left -= 1


class Skip(DatasetValue):
    def __init__(self, source, count):
        self.source, self.count = source, int(count)

    def iterate(self):
        left = self.count  # < 0: skip everything
        for element in self.source.iterate():
            if type(element) is ElementError:
                yield element
            elif left == 0:
                yield element
            elif left > 0:
                left -= 1


class Concatenate(DatasetValue):
    def __init__(self, first, second):
        self.parts = (first, second)

    def iterate(self):
        for part in self.parts:
            yield from part.iterate()


class Zip(DatasetValue):
    def __init__(self, sources):
        self.sources = sources

    def iterate(self):
        for elements in zip(*(s.iterate() for s in self.sources)):
            failed = [e for e in elements if type(e) is ElementError]
            yield failed[0] if failed else tuple(c for e in elements for c in e)


def stack(parts, np_dtype, component):
    """Stack one component of several elements along a new dimension 0."""
    first = np.shape(parts[0])
    for k, p in enumerate(parts[1:], 1):
        if np.shape(p) != first:
            raise _invalid(
                f"Cannot batch tensors with different shapes in component {component}. First "
                f"element had shape {list(first)} and element {k} had shape "
                f"{list(np.shape(p))}."
            )
    if np_dtype is object:
        out = np.empty((len(parts),) + first, dtype=object)
        for k, p in enumerate(parts):
            out[k] = p
        return out
    return np.asarray(parts, dtype=np_dtype)


class Batch(DatasetValue):
    def __init__(self, source, batch_size, drop_remainder, np_dtypes):
        if batch_size <= 0:
            raise _invalid("Batch size must be greater than zero.")
        self.source = source
        self.batch_size = int(batch_size)
        self.drop_remainder = bool(drop_remainder)
        self.np_dtypes = np_dtypes

    def _make(self, elements):
        return tuple(stack([e[i] for e in elements], dt, i) for i, dt in enumerate(self.np_dtypes))

    def _batch_or_error(self, elements):
        try:
            return self._make(elements)
        except errors.OpError as e:
            return ElementError(e)  # this batch fails; the next one is made as usual

    def iterate(self):
        batch = []
        for element in self.source.iterate():
            if type(element) is ElementError:
                batch = []  # TF drops the partial batch along with the error
                yield element
                continue
            batch.append(element)
            if len(batch) == self.batch_size:
                yield self._batch_or_error(batch)
                batch = []
        if batch and not self.drop_remainder:
            yield self._batch_or_error(batch)


class PaddedBatch(Batch):
    """``padded_batch``: each component padded (with its padding value) to its padded
    shape, where -1 means the longest in the batch."""

    def __init__(self, source, batch_size, padded_shapes, padding_values, drop, np_dtypes):
        super().__init__(source, batch_size, drop, np_dtypes)
        self.padded_shapes = [tuple(int(d) for d in np.reshape(s, -1)) for s in padded_shapes]
        self.padding_values = [_value(v) for v in padding_values]

    def _make(self, elements):
        out = []
        for i, dt in enumerate(self.np_dtypes):
            parts = [np.asarray(e[i], dtype=dt) for e in elements]
            want = self.padded_shapes[i]
            if any(p.ndim != len(want) for p in parts):
                raise _invalid(
                    f"Number of element dimensions ({parts[0].ndim}) does not match the "
                    f"padded shape rank ({len(want)}) in component {i}."
                )
            dims = tuple(max(p.shape[k] for p in parts) if d < 0 else d for k, d in enumerate(want))
            if any(p.shape[k] > dims[k] for p in parts for k in range(len(dims))):
                raise _invalid("Attempted to pad to a smaller size than the input element.")
            batch = np.full((len(parts),) + dims, self.padding_values[i], dtype=dt)
            for j, p in enumerate(parts):
                # A 0-d object array (a string scalar) would be stored as an array in the slot.
                batch[(j,) + tuple(slice(0, n) for n in p.shape)] = p if p.ndim else p[()]
            out.append(batch)
        return tuple(out)


class Unbatch(DatasetValue):
    """``unbatch``: each element split along dimension 0 into as many elements."""

    def __init__(self, source):
        self.source = source

    def iterate(self):
        for element in self.source.iterate():
            if type(element) is ElementError:
                yield element
                continue
            sizes = {np.shape(c)[0] if np.ndim(c) else None for c in element}
            if len(sizes) != 1 or None in sizes:
                yield ElementError(
                    _invalid("Input element must have the same batch size in each component.")
                )
                continue
            for i in range(sizes.pop()):
                yield tuple(_value(c[i]) for c in element)


class Cache(DatasetValue):
    """``cache``: the first complete pass is recorded; later passes replay it."""

    def __init__(self, source):
        self.source = source
        self.cached = None

    def iterate(self):
        if self.cached is not None:
            yield from self.cached
            return
        seen = []
        for element in self.source.iterate():
            seen.append(element)
            yield element
        self.cached = seen


class Shuffle(DatasetValue):
    """Fill a buffer of ``buffer_size`` elements; emit a random one, refill, repeat.

    TensorFlow's ShuffleDataset, draw for draw: each iterator (each pass of a ``repeat``,
    each re-initialisation) takes a seed pair — the dataset's own with
    ``reshuffle_each_iteration=False``, else the next two words of a Philox stream keyed
    by the dataset's seeds — and draws one word per element. The buffer is a ring: the
    element emitted is ``word % filled`` places after the oldest, and the oldest moves
    into its slot."""

    def __init__(self, source, buffer_size, seed, seed2, reshuffle):
        if buffer_size <= 0:
            raise _invalid("buffer_size must be greater than zero.")
        self.source = source
        self.buffer_size = int(buffer_size)
        self.seed, self.seed2 = seed_pair(int(seed), int(seed2))  # both zero: not seeded
        self.seed_stream = SingleSample(PhiloxRandom(self.seed, self.seed2)) if reshuffle else None

    def _iterator_seeds(self):
        if self.seed_stream is None:
            return self.seed, self.seed2
        return self.seed_stream(), self.seed_stream()

    def iterate(self):
        draw = SingleSample(PhiloxRandom(*self._iterator_seeds()))
        size = self.buffer_size
        ring = _Ring(size)
        for element in self.source.iterate():
            if type(element) is ElementError:
                yield element
                continue
            ring.put(element)
            if ring.filled == size:
                yield ring.take(draw())
        while ring.filled:
            yield ring.take(draw())


class _Ring:
    """The shuffle buffer: positions ``start .. end`` (mod size) hold the elements."""

    __slots__ = ("size", "slots", "start", "end")

    def __init__(self, size):
        self.size, self.slots, self.start, self.end = size, [], 0, 0

    @property
    def filled(self):
        return self.end - self.start

    def put(self, element):
        i = self.end % self.size
        # Grown on demand: a buffer_size far above the element count costs nothing.
        if i == len(self.slots):
            self.slots.append(element)
        else:
            self.slots[i] = element
        self.end += 1

    def take(self, word):
        index = (self.start + word % self.filled) % self.size
        oldest = self.start % self.size
        out = self.slots[index]
        self.slots[index] = self.slots[oldest]
        self.slots[oldest] = None
        self.start += 1
        return out


class Map(DatasetValue):
    def __init__(self, source, fn, captured, preserve_cardinality=False):
        self.source, self.fn, self.captured = source, fn, tuple(captured)
        self.preserve_cardinality = preserve_cardinality

    def iterate(self):
        fn, captured = self.fn, self.captured
        for element in self.source.iterate():
            if type(element) is ElementError:
                yield element
                continue
            try:
                yield fn(*element, *captured)
            except errors.OpError as e:
                yield ElementError(e)


class Filter(DatasetValue):
    def __init__(self, source, predicate, captured):
        self.source, self.predicate, self.captured = source, predicate, tuple(captured)

    def iterate(self):
        for element in self.source.iterate():
            if type(element) is ElementError:
                yield element
                continue
            try:
                (keep,) = self.predicate(*element, *self.captured)
            except errors.OpError as e:
                yield ElementError(e)
                continue
            if keep:
                yield element


class Interleave(DatasetValue):
    """``interleave``: ``cycle_length`` datasets made by ``fn`` open at once, taking
    ``block_length`` elements from each in turn (TF's InterleaveDatasetOp, step for step).
    ``flat_map`` is the case ``cycle_length=1``."""

    def __init__(self, source, fn, captured, cycle_length, block_length):
        if cycle_length <= 0:
            raise _invalid("cycle_length must be greater than zero.")
        if block_length <= 0:
            raise _invalid("block_length must be greater than zero.")
        self.source, self.fn, self.captured = source, fn, tuple(captured)
        self.cycle_length, self.block_length = int(cycle_length), int(block_length)

    def iterate(self):
        inputs = self.source.iterate()
        current = [None] * self.cycle_length
        cycle = block = num_open = 0
        end_of_input = False
        while not end_of_input or num_open:
            if current[cycle] is not None:
                element = next(current[cycle], None)
                if element is not None:
                    yield element
                    block += 1
                    if block == self.block_length:
                        cycle, block = (cycle + 1) % self.cycle_length, 0
                    continue
                current[cycle] = None
                num_open -= 1
                cycle, block = (cycle + 1) % self.cycle_length, 0
            elif not end_of_input:
                element = next(inputs, None)
                if element is None:
                    end_of_input = True
                elif type(element) is ElementError:
                    yield element
                else:
                    try:
                        (dataset,) = self.fn(*element, *self.captured)
                    except errors.OpError as e:
                        yield ElementError(e)
                        continue
                    current[cycle] = dataset.iterate()
                    num_open += 1
            else:
                cycle, block = (cycle + 1) % self.cycle_length, 0
