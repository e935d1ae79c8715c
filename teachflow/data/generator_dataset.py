"""``Dataset.from_generator``: the elements a Python generator yields, built as TensorFlow
builds it.

A graph cannot hold a generator, only ops; so, as in TensorFlow, the dataset is one dummy
element (``TensorDataset``) flat-mapped to a ``GeneratorDataset``, an op that runs three
functions, each a `tf.py_func <teachflow.ops.script_ops>` calling back into this process:

- *init*: start a new call of the generator (with ``args``) and return its id, an int64;
- *next*: the next element of the call with that id, checked against the promised types
  and shapes (``StopIteration`` ends the dataset: py_func's OutOfRangeError);
- *finalize*: forget the call.

Every iterator initialisation (or ``repeat``) is a new call of the generator, so the
generator function must start over each time it is called.

    >>> import teachflow as tf
    >>> def squares():
    ...     for i in range(4):
    ...         yield i, [i * i] * 2
    >>> ds = tf.data.Dataset.from_generator(squares, (tf.int32, tf.float32),
    ...                                     (tf.TensorShape([]), tf.TensorShape([2])))
    >>> ds
    <DatasetV1Adapter shapes: ((), (2,)), types: (tf.int32, tf.float32)>
    >>> nxt = tf.data.make_one_shot_iterator(ds.batch(3)).get_next()
    >>> with tf.Session() as sess:
    ...     print(sess.run(nxt)[1].tolist())
    [[0.0, 0.0], [1.0, 1.0], [4.0, 4.0]]
"""

from __future__ import annotations

import itertools
import threading

import numpy as np

from teachflow.framework import dtypes, errors
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.shapes import TensorShape
from teachflow.ops import script_ops
from teachflow.ops.constant_op import value_as_array

from . import datasets, structure
from .dataset_kernels import register_datasets
from .structure import TensorSpec

__all__ = ["from_generator"]


class GeneratorState:
    """The running calls of one ``from_generator``'s generator, by id: what the three
    functions' py_funcs share (TF's ``_GeneratorState``)."""

    def __init__(self, generator):
        self.generator = generator
        self._ids = itertools.count()
        self._lock = threading.Lock()
        self._args = {}  # id -> the args of a call not started yet
        self._calls = {}  # id -> the running call (an iterator)

    def new_id(self, *args):
        with self._lock:
            call_id = next(self._ids)
            self._args[call_id] = args
        return np.array(call_id, dtype=np.int64)

    def call(self, call_id):
        """The call with this id, started on first use."""
        call_id = int(call_id)
        with self._lock:
            it = self._calls.get(call_id)
            if it is None:
                it = self._calls[call_id] = iter(self.generator(*self._args.pop(call_id)))
        return it

    def forget(self, call_id):
        with self._lock:
            self._calls.pop(int(call_id), None)
            self._args.pop(int(call_id), None)
        return np.array(0, dtype=np.int64)


def _spec_text(spec):
    shape = "<unknown>" if spec.shape.rank is None else str(spec.shape)
    return f"TensorSpec(shape={shape}, dtype={spec.dtype!r}, name=None)"


def _structure_text(specs):
    return str(structure.map_structure(_spec_text, specs)).replace("'", "")


def _flatten_up_to(template, value):
    """``value``'s leaves along ``template``'s nesting (a list in ``value`` where the
    template has a leaf is one leaf); ValueError where the nesting differs."""
    if isinstance(template, dict):
        if not isinstance(value, dict) or sorted(template) != sorted(value):
            raise ValueError("not the same structure")
        return [leaf for k in sorted(template) for leaf in _flatten_up_to(template[k], value[k])]
    if isinstance(template, tuple) and not isinstance(template, TensorSpec):
        if not isinstance(value, (tuple, list)) or len(value) != len(template):
            raise ValueError("not the same structure")
        return [leaf for t, v in zip(template, value) for leaf in _flatten_up_to(t, v)]
    return [value]


def _next_element_fn(state, specs, shapes_given):
    """The py_func of *next*: the call's next element as arrays, checked as TF checks it.
    With ``output_types`` and ``output_shapes`` both given (TF1's way) values are converted
    as a py_func converts its results (``np.asarray``: 2.7 becomes int 2); otherwise as a
    tensor is made (TF 2's ``output_signature`` path: 2.7 is no int)."""
    flat_specs = structure.flatten(specs)
    types = structure.types_of(specs)

    def next_element(call_id):
        value = next(state.call(call_id))
        if shapes_given:
            try:
                leaves = _flatten_up_to(types, value)
            except ValueError:
                raise TypeError(
                    "`generator` yielded an element that did not match the expected structure. "
                    f"The expected structure was {types}, but the yielded element was "
                    f"{value}."
                ) from None
            arrays = []
            for leaf, spec in zip(leaves, flat_specs):
                try:
                    arrays.append(_as_py_func_result(leaf, spec.dtype))
                except (TypeError, ValueError):
                    raise TypeError(
                        "`generator` yielded an element that could not be converted to the "
                        f"expected type. The expected type was {spec.dtype.name}, but the "
                        f"yielded element was {leaf}."
                    ) from None
            for array, spec in zip(arrays, flat_specs):
                if not spec.shape.is_compatible_with(array.shape):
                    raise TypeError(
                        f"`generator` yielded an element of shape {array.shape} where an "
                        f"element of shape {spec.shape} was expected."
                    )
            return arrays
        try:
            leaves = _flatten_up_to(specs, value)
            arrays = [value_as_array(leaf, spec.dtype) for leaf, spec in zip(leaves, flat_specs)]
        except (TypeError, ValueError):
            raise TypeError(
                "`generator` yielded an element that did not match the expected structure. "
                f"The expected structure was {_structure_text(specs)}, but the yielded element "
                f"was {value}."
            ) from None
        got = [TensorSpec(s.dtype, TensorShape(a.shape)) for a, s in zip(arrays, flat_specs)]
        if not all(s.shape.is_compatible_with(g.shape) for s, g in zip(flat_specs, got)):
            raise TypeError(
                f"`generator` yielded an element of {_structure_text(structure.pack_as(specs, got))}"
                f" where an element of {_structure_text(specs)} was expected."
            )
        return arrays

    return next_element


def _as_py_func_result(value, dtype):
    """``value`` as a py_func converts what its function returns (the kernel then makes
    strings bytes)."""
    np_dtype = object if dtype is dtypes.string else dtype.as_numpy_dtype
    return np.asarray(value, dtype=np_dtype, order="C")


def _specs(output_types, output_shapes, output_signature):
    if output_signature is not None:
        if output_types is not None or output_shapes is not None:
            raise TypeError(
                "The `output_types` and `output_shapes` arguments must not be specified when "
                "using `output_signature`."
            )
        return structure.map_structure(
            lambda s: TensorSpec(dtypes.as_dtype(s.dtype), TensorShape(s.shape)),
            output_signature,
        )
    if output_types is None:
        raise TypeError("The `output_types` argument can not be None.")
    types = structure.map_structure(dtypes.as_dtype, output_types)
    if output_shapes is None:
        return structure.map_structure(lambda t: TensorSpec(t, TensorShape(None)), types)
    shapes = _shape_leaves(output_shapes)
    if not structure.same_structure(types, shapes):
        raise ValueError(
            "The two structures don't have the same nested structure: "
            f"{output_types} and {output_shapes}"
        )
    flat = [
        TensorSpec(t, TensorShape(s))
        for t, s in zip(structure.flatten(types), structure.flatten(shapes))
    ]
    return structure.pack_as(types, flat)


def _shape_leaves(shapes):
    # A shape written as a list ([None, 3]) is one leaf, as a TensorShape is.
    if isinstance(shapes, dict):
        return {k: _shape_leaves(v) for k, v in shapes.items()}
    if isinstance(shapes, tuple) and not isinstance(shapes, TensorShape):
        if all(d is None or isinstance(d, int) for d in shapes):
            return TensorShape(shapes)  # a tuple of dims: one shape
        return tuple(_shape_leaves(s) for s in shapes)
    return TensorShape(shapes)


def from_generator(generator, output_types=None, output_shapes=None, args=None,
                   output_signature=None):  # fmt: skip
    """A dataset of the elements ``generator(*args)`` yields (see the module's text).

    ``output_types`` (a structure of dtypes) and ``output_shapes`` (of shapes; unknown when
    left out) say what each element is; TF 2's ``output_signature`` (a structure of
    specs with ``.shape`` and ``.dtype``) may say it instead. ``args`` are tensors (or
    values) evaluated when an iterator starts, handed to ``generator`` as numpy values."""
    from .dataset_ops import Dataset

    if not callable(generator):
        raise TypeError("`generator` must be a Python callable.")
    specs = _specs(output_types, output_shapes, output_signature)
    flat_specs = structure.flatten(specs)
    shapes_given = output_types is not None and output_shapes is not None
    arg_tensors = [convert_to_tensor(a, name=f"args_{i}") for i, a in enumerate(args or ())]
    state = GeneratorState(generator)
    next_element = _next_element_fn(state, specs, shapes_given)

    def init_fn(_dummy):
        return script_ops.numpy_function(state.new_id, arg_tensors, dtypes.int64)

    def next_fn(call_id):
        types = [s.dtype for s in flat_specs]
        if shapes_given:
            values = script_ops.numpy_function(next_element, [call_id], types)
        else:
            values = script_ops.py_function(next_element, [call_id], types)
        for t, s in zip(values, flat_specs):
            t.set_shape(s.shape)  # py_func outputs have unknown shapes
        return structure.pack_as(specs, values)

    def finalize_fn(call_id):
        return script_ops.numpy_function(state.forget, [call_id], dtypes.int64)

    def generator_dataset(dummy):
        id_spec = TensorSpec(dtypes.int64, TensorShape([]))
        init = functions_trace(init_fn, TensorSpec(dtypes.int32, TensorShape([])), "init")
        nxt = functions_trace(next_fn, id_spec, "next")
        final = functions_trace(finalize_fn, id_spec, "finalize")
        attrs = {
            "init_func": init.as_attr(),
            "next_func": nxt.as_attr(),
            "finalize_func": final.as_attr(),
            "Tinit_func_args": [dtypes.int32] + [t.dtype.base_dtype for t in init.captured],
            "Tnext_func_args": [t.dtype.base_dtype for t in nxt.captured],
            "Tfinalize_func_args": [t.dtype.base_dtype for t in final.captured],
        }
        inputs = [dummy, *init.captured, *nxt.captured, *final.captured]
        return Dataset._op("GeneratorDataset", inputs, specs, attrs)

    return Dataset.from_tensors(0).flat_map(generator_dataset)


_fn_ids = itertools.count(1)


def functions_trace(fn, spec, what):
    from .functions import trace

    return trace(fn, spec, f"generator_{what}_{next(_fn_ids)}")


class Generator(datasets.DatasetValue):
    """What ``GeneratorDataset`` computes: *init* once a pass starts, *next* until it is out
    of range (a failing element fails that ``get_next`` only), *finalize* when the pass ends
    or is dropped."""

    def __init__(self, init, next_, finalize, init_args, next_args, finalize_args):
        self.init, self.next, self.finalize = init, next_, finalize
        self.args = (tuple(init_args), tuple(next_args), tuple(finalize_args))

    def iterate(self):
        init_args, next_args, finalize_args = self.args
        state = self.init(*init_args)
        try:
            while True:
                try:
                    element = self.next(*state, *next_args)
                except errors.OutOfRangeError:
                    break
                except errors.OpError as e:
                    yield datasets.ElementError(e)
                    continue
                yield element
        except GeneratorExit:
            # The pass was dropped (the iterator started over, the graph was collected and
            # its py_funcs with it): forget the call if there is still someone to tell.
            try:
                self.finalize(*state, *finalize_args)
            except errors.OpError:
                pass
            raise
        self.finalize(*state, *finalize_args)


def _generator_dataset(attrs, fns, *inputs):
    sizes = [len(attrs[k]) for k in ("Tinit_func_args", "Tnext_func_args")]
    init_args, rest = inputs[: sizes[0]], inputs[sizes[0] :]
    next_args, finalize_args = rest[: sizes[1]], rest[sizes[1] :]
    return Generator(
        fns["init_func"], fns["next_func"], fns["finalize_func"], init_args, next_args,
        finalize_args,
    )  # fmt: skip


register_datasets(
    {"GeneratorDataset": (_generator_dataset, ("init_func", "next_func", "finalize_func"))}
)
