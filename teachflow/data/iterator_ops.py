"""Iterators: the stateful resource that reads a dataset one element per step.

An iterator op (``IteratorV2``, ``OneShotIterator``) outputs a reference to an iterator
held by its device's resource manager, like a queue or a reader. ``MakeIterator``
(``iterator.initializer``) starts a new pass over a dataset; ``IteratorGetNext``
(``iterator.get_next()``) advances it by one element and outputs its components. When
the dataset is used up, ``get_next`` raises OutOfRangeError "End of sequence". A step
runs each op once, so fetching ``get_next()`` twice in one ``run`` gives one element.

The iterator is created with the dataset's last op (``colocate_with``), so a pipeline
built under ``tf.device("/job:worker/task:1")`` is read on that task.

    >>> import teachflow as tf
    >>> x = tf.placeholder(tf.float32, [None])
    >>> it = tf.data.Dataset.from_tensor_slices(x).make_initializable_iterator()
    >>> nxt = it.get_next()
    >>> with tf.Session() as sess:
    ...     sess.run(it.initializer, {x: [1.0, 2.0]})
    ...     a, b = sess.run([nxt, nxt])
    ...     print(a, b, sess.run(nxt))
    1.0 1.0 2.0
"""

from __future__ import annotations

import itertools
import threading

from google.protobuf import message

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import get_default_graph
from teachflow.framework.inference import fixed
from teachflow.framework.scopes import colocate_with
from teachflow.framework.shapes import TensorShape, as_shape
from teachflow.ops.reader_resources import as_bytes
from teachflow.proto import messages

from . import structure
from .dataset_ops import Dataset
from .datasets import ElementError
from .functions import FunctionRunner, subgraph_function
from .structure import ElementStructure, TensorSpec

__all__ = ["Iterator", "make_initializable_iterator", "make_one_shot_iterator"]

_HANDLE = dtypes.string._as_ref  # teachflow's stand-in for TF's DT_RESOURCE handle
_kernel_ids = itertools.count()


class IteratorState:
    """The position in one pass over a dataset: the pass's generator, kept between steps."""

    def __init__(self, name, handle=b""):
        self.name = name
        self.handle = handle  # where it lives, as `string_handle()` gives it
        self.lock = threading.Lock()
        self.elements = None

    def start(self, dataset):
        with self.lock:
            self.elements = dataset.iterate()

    def get_next(self):
        with self.lock:
            if self.elements is None:
                raise errors.FailedPreconditionError(
                    None,
                    None,
                    "GetNext() failed because the iterator has not been initialized. Ensure "
                    "that you have run the initializer operation for this iterator before "
                    "getting the next element.",
                )
            try:
                element = next(self.elements)
            except StopIteration:
                raise errors.OutOfRangeError(None, None, "End of sequence") from None
        if type(element) is ElementError:
            raise element.error
        return element

    def __repr__(self):
        started = "started" if self.elements is not None else "not initialized"
        return f"<Iterator {self.name!r} {started}>"


# -- the ops ---------------------------------------------------------------------------------
def _resource_key(op):
    # Without shared_name TF gives each kernel instance (each session) its own iterator.
    return op._attrs.get("container", ""), op._attrs.get("shared_name") or (
        f"_{next(_kernel_ids)}_{op.name}"
    )


def _string_handle(device, container, key):
    # TF's string handle is a serialized ResourceHandleProto: the device, container and
    # name that find the iterator again (IteratorFromStringHandleV2 looks it up there).
    return messages.ResourceHandleProto(
        device=device.name,
        container=container,
        name=key,
        maybe_type_name="N10tensorflow4data16IteratorResourceE",  # typeid name, as TF,
    ).SerializeToString()


def _iterator_kernel(op, device):
    container, key = _resource_key(op)
    resources, name = device.resources, op.name
    handle = _string_handle(device, container, key)
    return lambda: resources.lookup_or_create(container, key, lambda: IteratorState(name, handle))


def _one_shot_kernel(op, device):
    container, key = _resource_key(op)
    resources, name = device.resources, op.name
    handle = _string_handle(device, container, key)
    factory = FunctionRunner(op._attrs["dataset_factory"], device)

    def create():
        state = IteratorState(name, handle)
        (dataset,) = factory()
        state.start(dataset)
        return state

    # The dataset is made on first use, once: later runs find the started iterator.
    return lambda: resources.lookup_or_create(container, key, create)


def _make_iterator_kernel(op, device):
    return lambda dataset, iterator: iterator.start(dataset)


def _get_next_kernel(op, device):
    single = len(op._attrs["output_types"]) == 1

    def get_next(iterator):
        element = iterator.get_next()
        return element[0] if single else element

    return get_next


def _to_string_handle_kernel(op, device):
    return lambda iterator: iterator.handle


def _from_string_handle_kernel(op, device):
    def lookup(string_handle):
        handle = messages.ResourceHandleProto()
        try:
            handle.ParseFromString(as_bytes(string_handle))
        except message.DecodeError:
            handle = None
        if handle is None or not handle.name:
            raise errors.InvalidArgumentError(
                None, None, "Could not parse an iterator handle from the given string."
            )
        if handle.device != device.name:
            raise errors.InvalidArgumentError(
                None,
                None,
                f"Trying to access resource {handle.name} located in device {handle.device} "
                f"from device {device.name}",
            )
        iterator = device.resources.lookup(handle.container, handle.name)
        if iterator is None:
            raise errors.NotFoundError(
                None, None, f"Resource {handle.container}/{handle.name} does not exist."
            )
        return iterator

    return lookup


def _get_next_infer(op):
    return list(zip(op._attrs["output_types"], op._attrs["output_shapes"]))


for _type, _make in (("IteratorV2", _iterator_kernel), ("OneShotIterator", _one_shot_kernel)):
    registry.register(
        _type,
        fixed((_HANDLE, [])),
        kernels={"CPU": _make},
        stateful=True,
        not_differentiable=True,
    )
registry.register(
    "IteratorToStringHandle",
    fixed((dtypes.string, [])),
    kernels={"CPU": _to_string_handle_kernel},
    ref_inputs=(0,),
    not_differentiable=True,
)
registry.register(
    "IteratorFromStringHandleV2",
    fixed((_HANDLE, [])),
    kernels={"CPU": _from_string_handle_kernel},
    stateful=True,
    not_differentiable=True,
)
registry.register(
    "MakeIterator",
    lambda op: [],
    kernels={"CPU": _make_iterator_kernel},
    stateful=True,
    ref_inputs=(1,),
    not_differentiable=True,
)
# Getting an element may read files and run map functions: never on the scheduling thread.
registry.register(
    "IteratorGetNext",
    _get_next_infer,
    kernels={"CPU": _get_next_kernel},
    stateful=True,
    ref_inputs=(0,),
    cheap=False,
    not_differentiable=True,
)


# -- the Python API ----------------------------------------------------------------------
class Iterator(ElementStructure):
    """Reads a dataset: ``get_next()`` is the next element, ``initializer`` starts over."""

    def __init__(self, iterator_resource, initializer, element_spec):
        self._iterator_resource = iterator_resource
        self._initializer = initializer
        self._element_spec = element_spec
        # As TF's: every iterator has its string handle op, and is in the "iterators"
        # collection (what tf.train's hooks and savers look for).
        self._string_handle = self._to_string_handle("IteratorToStringHandle")
        iterator_resource.graph.add_to_collection("iterators", iterator_resource)

    @staticmethod
    def from_structure(output_types, output_shapes=None, shared_name=None, output_classes=None):
        """An iterator of the given element structure, not yet bound to any dataset: each
        ``make_initializer(dataset)`` op points it at a dataset of that structure (one
        iterator for the training and the validation set).

        >>> import teachflow as tf
        >>> it = tf.data.Iterator.from_structure(tf.int64, tf.TensorShape([]))
        >>> init = it.make_initializer(tf.data.Dataset.range(3))
        >>> with tf.Session() as sess:
        ...     sess.run(init)
        ...     print(sess.run(it.get_next()))
        0
        """
        spec = _spec_of(output_types, output_shapes)
        ref = _iterator_op("IteratorV2", spec, {"shared_name": shared_name or "", "container": ""})
        return Iterator(ref, None, spec)

    @staticmethod
    def from_string_handle(string_handle, output_types, output_shapes=None, output_classes=None):
        """An iterator that reads whichever iterator ``string_handle`` (a string tensor, a
        placeholder as a rule) names when ``get_next`` runs: one ``get_next`` for a training
        and a validation iterator, switched by feeding their ``string_handle()`` values.

        >>> import teachflow as tf
        >>> handle = tf.placeholder(tf.string, [])
        >>> it = tf.data.Iterator.from_string_handle(handle, tf.int64, tf.TensorShape([]))
        >>> nxt = it.get_next()
        >>> evens = tf.data.Dataset.range(0, 9, 2).make_one_shot_iterator()
        >>> odds = tf.data.Dataset.range(1, 9, 2).make_one_shot_iterator()
        >>> with tf.Session() as sess:
        ...     e, o = sess.run([evens.string_handle(), odds.string_handle()])
        ...     print([int(sess.run(nxt, {handle: h})) for h in (e, e, o, e)])
        [0, 2, 1, 4]
        """
        spec = _spec_of(output_types, output_shapes)
        specs = structure.flatten(spec)
        ref = (
            get_default_graph()
            .create_op(
                "IteratorFromStringHandleV2",
                [convert_to_tensor(string_handle, dtype=dtypes.string)],
                {
                    "output_types": [s.dtype for s in specs],
                    "output_shapes": [TensorShape(s.shape) for s in specs],
                },
                name="IteratorFromStringHandleV2",
            )
            .outputs[0]
        )
        return Iterator(ref, None, spec)

    def string_handle(self, name=None):
        """A string tensor naming this iterator, to feed to `from_string_handle` (the one
        made with the iterator, unless ``name`` asks for another op)."""
        return self._string_handle if name is None else self._to_string_handle(name)

    def _to_string_handle(self, name):
        op = get_default_graph().create_op(
            "IteratorToStringHandle", [self._iterator_resource], {}, name=name
        )
        return op.outputs[0]

    @property
    def initializer(self):
        if self._initializer is None:
            raise ValueError("Iterator does not have an initializer.")
        return self._initializer

    def make_initializer(self, dataset, name=None):
        """An op that starts this iterator over ``dataset`` (same types, compatible shapes)."""
        mine, theirs = structure.flatten(self._element_spec), dataset._flat_specs()
        if not structure.same_structure(self._element_spec, dataset._element_spec) or [
            s.dtype for s in mine
        ] != [s.dtype for s in theirs]:
            raise TypeError(
                f"Expected output types {self.output_types} but got dataset with output types "
                f"{dataset.output_types}."
            )
        for a, b in zip(mine, theirs):
            if not a.shape.is_compatible_with(b.shape):
                raise TypeError(
                    f"Expected output shapes compatible with {self.output_shapes} but got "
                    f"dataset with output shapes {dataset.output_shapes}."
                )
        return _make_iterator(dataset, self._iterator_resource, name or "make_initializer")

    def get_next(self, name=None):
        """The next element: a nest of tensors shaped like the dataset's elements."""
        specs = structure.flatten(self._element_spec)
        op = get_default_graph().create_op(
            "IteratorGetNext",
            [self._iterator_resource],
            {
                "output_types": [s.dtype for s in specs],
                "output_shapes": [TensorShape(s.shape) for s in specs],
            },
            name=name or "IteratorGetNext",
        )
        return structure.pack_as(self._element_spec, op.outputs)


def _spec_of(output_types, output_shapes):
    if output_shapes is None:
        output_shapes = structure.map_structure(lambda _: TensorShape(None), output_types)
    types = structure.flatten(output_types)
    shapes = structure.flatten(_shape_leaves(output_shapes, output_types))
    specs = [TensorSpec(dtypes.as_dtype(t), as_shape(s)) for t, s in zip(types, shapes)]
    return structure.pack_as(output_types, specs)


def _shape_leaves(shapes, types):
    # A shape given as a list is one leaf; rebuild it in the structure of the types.
    if isinstance(types, dict):
        return {k: _shape_leaves(shapes[k], types[k]) for k in types}
    if isinstance(types, tuple):
        return tuple(_shape_leaves(s, t) for s, t in zip(shapes, types))
    return as_shape(shapes)


def _iterator_op(op_type, spec, attrs):
    specs = structure.flatten(spec)
    attrs = dict(attrs)
    attrs["output_types"] = [s.dtype for s in specs]
    attrs["output_shapes"] = [TensorShape(s.shape) for s in specs]
    return get_default_graph().create_op(op_type, [], attrs, name=op_type).outputs[0]


def make_one_shot_iterator(dataset: Dataset) -> Iterator:
    """An iterator over ``dataset`` that starts by itself on first use (``tf.data`` and
    ``tf.compat.v1.data.make_one_shot_iterator``). The dataset's ops are copied into the
    iterator as a function, so they must not read placeholders or variables: use
    `make_initializable_iterator` for those (ValueError otherwise, as TF)."""
    factory = subgraph_function(dataset._variant_tensor, "_make_dataset")
    with colocate_with(dataset._variant_tensor.op):
        ref = _iterator_op(
            "OneShotIterator",
            dataset._element_spec,
            {"dataset_factory": factory.as_attr(), "shared_name": "", "container": ""},
        )
        return Iterator(ref, None, dataset._element_spec)


def make_initializable_iterator(dataset: Dataset, shared_name=None) -> Iterator:
    """An iterator over ``dataset`` that its ``initializer`` op starts (again): the
    dataset may read placeholders fed when the initializer runs."""
    with colocate_with(dataset._variant_tensor.op):
        ref = _iterator_op(
            "IteratorV2",
            dataset._element_spec,
            {"shared_name": shared_name or "", "container": ""},
        )
        initializer = _make_iterator(dataset, ref, "MakeIterator")
        return Iterator(ref, initializer, dataset._element_spec)


def _make_iterator(dataset, iterator_resource, name):
    return get_default_graph().create_op(
        "MakeIterator", [dataset._variant_tensor, iterator_resource], {}, name=name
    )
