"""``tf.data.Options``: settings a dataset pipeline carries (threading, determinism...).

Options are set on a pipeline with ``dataset.with_options(options)``, which adds an
``OptionsDataset`` op holding them serialised (TensorFlow's ``tensorflow.data.Options``
message, field for field, so the graph's bytes are TensorFlow's). ``dataset.options()``
reads them back from the graph, merging every ``OptionsDataset`` upstream (a later
``with_options`` wins where both set a value). An option never set is None.

    >>> import teachflow as tf
    >>> options = tf.data.Options()
    >>> options.threading.private_threadpool_size = 2
    >>> options.deterministic = False
    >>> ds = tf.data.Dataset.range(3).with_options(options)
    >>> ds.options().threading.private_threadpool_size, ds.options().deterministic
    (2, False)

teachflow's pipelines run element by element in the session's threads, so the options are
kept and reported but change nothing about how elements are produced. Of TensorFlow's
option groups teachflow has ``threading`` and the top-level switches; ``autotune``,
``experimental_optimization``, ``experimental_distribute`` and ``experimental_service``
are written as the empty messages TensorFlow writes for them by default.
"""

from __future__ import annotations

__all__ = ["Options", "ThreadingOptions", "options_of"]


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        out.append(low | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _read_varint(data: bytes, pos: int):
    shift = value = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


class _OptionGroup:
    """A record of typed options, each None until set. ``_FIELDS``: name -> (type, proto
    field number); ``_ALIASES``: TF's older ``experimental_*`` names."""

    _FIELDS: dict = {}
    _ALIASES: dict = {}

    def __init__(self):
        object.__setattr__(self, "_values", {})
        for name, (kind, _) in self._FIELDS.items():
            if isinstance(kind, type) and issubclass(kind, _OptionGroup):
                self._values[name] = kind()

    def __getattr__(self, name):
        if name == "_values":  # not yet set (copy, pickle): no recursion through _values
            raise AttributeError(name)
        name = self._ALIASES.get(name, name)
        if name in self._FIELDS:
            return self._values.get(name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __setattr__(self, name, value):
        name = self._ALIASES.get(name, name)
        if name not in self._FIELDS:
            raise AttributeError(f"Cannot set the property {name} on {type(self).__name__}.")
        kind, _ = self._FIELDS[name]
        if value is not None and not isinstance(value, kind):
            raise TypeError(
                f'Property "{name}" must be of type {kind}, got: {value} (type: {type(value)})'
            )
        self._values[name] = value

    def _set(self) -> dict:
        return {k: v for k, v in self._values.items() if v is not None}

    def __eq__(self, other):
        return type(self) is type(other) and self._set() == other._set()

    def __ne__(self, other):
        return not self == other

    __hash__ = None

    def _merged(self, other):
        out = type(self)()
        for name in self._FIELDS:
            mine, theirs = self._values.get(name), other._values.get(name)
            if isinstance(mine, _OptionGroup):
                out._values[name] = mine._merged(theirs)
            else:
                out._values[name] = theirs if theirs is not None else mine
        return out

    def _to_bytes(self) -> bytes:
        """The message's wire bytes: fields in number order, unset scalars left out and
        sub-messages always written (as TensorFlow's ``_to_proto`` does)."""
        out = bytearray()
        for name, (_, number) in sorted(self._FIELDS.items(), key=lambda kv: kv[1][1]):
            value = self._values.get(name)
            if isinstance(value, _OptionGroup):
                body = value._to_bytes()
                out += _varint(number << 3 | 2) + _varint(len(body)) + body
            elif value is not None:
                out += _varint(number << 3) + _varint(int(value))
        return bytes(out)

    @classmethod
    def _from_bytes(cls, data: bytes):
        by_number = {number: (name, kind) for name, (kind, number) in cls._FIELDS.items()}
        group, pos = cls(), 0
        while pos < len(data):
            key, pos = _read_varint(data, pos)
            number, wire = key >> 3, key & 7
            if wire == 2:
                length, pos = _read_varint(data, pos)
                body, pos = data[pos : pos + length], pos + length
                if number in by_number:
                    name, kind = by_number[number]
                    group._values[name] = kind._from_bytes(body)
            else:
                value, pos = _read_varint(data, pos)
                if number in by_number:
                    name, kind = by_number[number]
                    group._values[name] = kind(value)
        return group


class ThreadingOptions(_OptionGroup):
    """``max_intra_op_parallelism`` and ``private_threadpool_size`` of a pipeline (ints).

    >>> import teachflow as tf
    >>> tf.data.ThreadingOptions().private_threadpool_size is None
    True
    """

    _FIELDS = {"max_intra_op_parallelism": (int, 1), "private_threadpool_size": (int, 2)}


class _EmptyGroup(_OptionGroup):
    """An option group teachflow writes as TensorFlow's default (empty) message."""


class Options(_OptionGroup):
    """A pipeline's options (see the module docstring). Setting an unknown one raises
    AttributeError; a value of the wrong type, TypeError."""

    _FIELDS = {
        "deterministic": (bool, 1),
        "_distribute": (_EmptyGroup, 2),
        "_optimization": (_EmptyGroup, 3),
        "experimental_slack": (bool, 4),
        "threading": (ThreadingOptions, 5),
        "_autotune": (_EmptyGroup, 7),
        "_service": (_EmptyGroup, 12),
    }
    _ALIASES = {
        "experimental_deterministic": "deterministic",
        "experimental_threading": "threading",
    }

    def merge(self, options):
        """A new Options: these, overridden by what ``options`` sets."""
        return self._merged(options)

    def serialize(self) -> bytes:
        """The ``tensorflow.data.Options`` message's bytes (``OptionsDataset``'s attr)."""
        return self._to_bytes()


def options_of(variant_tensor) -> Options:
    """The options of the dataset ``variant_tensor`` is: every ``OptionsDataset`` upstream
    merged, inputs first."""
    merged, seen = Options(), set()

    def visit(op):
        nonlocal merged
        if op in seen:
            return
        seen.add(op)
        for t in op.inputs:
            if t.dtype.name == "variant":
                visit(t.op)
        if op.type == "OptionsDataset":
            merged = merged.merge(Options._from_bytes(op._attrs["serialized_options"]))

    visit(variant_tensor.op)
    return merged
