"""The variable store behind ``tf.get_variable``: one per graph, name -> variable.

`get_variable` asks the store for a full name ("layer/w") with a ``reuse`` flag. The store
returns the existing variable, creates a new one, or raises TensorFlow's errors — and
records where each variable was first defined, so "already exists" can point there.

    >>> import teachflow as tf
    >>> from teachflow.ops.variable_store import get_default_variable_store
    >>> v = tf.get_variable("v", [2])
    >>> get_default_variable_store().get_variable("v", [2], reuse=True) is v
    True
"""

from __future__ import annotations

import functools
import inspect
import os
import traceback

from teachflow.framework import dtypes
from teachflow.framework.graph import GraphKeys, get_default_graph
from teachflow.framework.scopes import colocate_with, name_scope
from teachflow.framework.shapes import TensorShape

# The store lives in a graph collection under this key, as in TensorFlow.
_VARSTORE_KEY = ("__variable_store",)
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class VariableStore:
    """Name -> variable for one graph, plus where each variable was first defined."""

    def __init__(self):
        self._vars = {}
        self._origins = {}
        self._partitioned_vars = {}  # name -> PartitionedVariable (its shards are in _vars)

    def get_variable(
        self,
        name,
        shape=None,
        dtype=dtypes.float32,
        initializer=None,
        regularizer=None,
        reuse=None,
        trainable=None,
        collections=None,
        caching_device=None,
        partitioner=None,
        validate_shape=True,
        use_resource=None,
        custom_getter=None,
        constraint=None,
        **kwargs,
    ):
        dtype = dtypes.as_dtype(dtype).base_dtype if dtype is not None else dtypes.float32
        trainable = True if trainable is None else trainable
        if partitioner is not None and custom_getter is None:
            from teachflow.ops.partitioned_variables import get_partitioned_variable

            return get_partitioned_variable(
                self,
                name,
                partitioner,
                shape,
                dtype,
                initializer,
                reuse,
                regularizer=regularizer,
                trainable=trainable,
                collections=collections,
                caching_device=caching_device,
                validate_shape=validate_shape,
                constraint=constraint,
            )

        def true_getter(
            name,
            shape=None,
            dtype=dtypes.float32,
            initializer=None,
            regularizer=None,
            reuse=None,
            trainable=True,
            collections=None,
            caching_device=None,
            validate_shape=True,
            constraint=None,
            **_,
        ):
            return self._get_single_variable(
                name,
                shape,
                dtype,
                initializer,
                regularizer,
                reuse,
                trainable,
                collections,
                caching_device,
                validate_shape,
                constraint,
            )

        args = dict(
            name=name,
            shape=shape,
            dtype=dtype,
            initializer=initializer,
            regularizer=regularizer,
            reuse=reuse,
            trainable=trainable,
            collections=collections,
            caching_device=caching_device,
            validate_shape=validate_shape,
            constraint=constraint,
        )
        if custom_getter is not None:
            return custom_getter(true_getter, **args)
        return true_getter(**args)

    def _get_single_variable(
        self,
        name,
        shape,
        dtype,
        initializer,
        regularizer,
        reuse,
        trainable,
        collections,
        caching_device,
        validate_shape,
        constraint,
        partition_info=None,
    ):
        from teachflow.ops.variables import Variable

        initializing_from_value = initializer is not None and not callable(initializer)
        if shape is not None and initializing_from_value:
            raise ValueError("If initializer is a constant, do not specify shape.")
        shape_given = shape is not None
        shape = TensorShape(shape)

        if name in self._vars:
            if reuse is False:
                raise ValueError(
                    f"Variable {name} already exists, disallowed. Did you mean to set reuse=True "
                    f"or reuse=tf.AUTO_REUSE in VarScope? Originally defined at:\n\n"
                    + "".join(traceback.format_list(self._origins.get(name, [])))
                )
            found = self._vars[name]
            if not shape.is_compatible_with(found.get_shape()):
                raise ValueError(
                    f"Trying to share variable {name}, but specified shape {shape} and found "
                    f"shape {found.get_shape()}."
                )
            if not dtype.is_compatible_with(found.dtype):
                raise ValueError(
                    f"Trying to share variable {name}, but specified dtype {dtype.name} and "
                    f"found dtype {found.dtype.name}."
                )
            return found

        if reuse is True:
            raise ValueError(
                f"Variable {name} does not exist, or was not created with tf.get_variable(). "
                "Did you mean to set reuse=tf.AUTO_REUSE in VarScope?"
            )

        if initializer is None:
            if not shape_given:
                raise ValueError(
                    f"Variable {name} did not get an initializer, so its `shape` argument must "
                    "be specified."
                )
            initializer = _default_initializer(name, dtype)
        if initializing_from_value:
            init_val, variable_dtype = initializer, None
        else:
            if inspect.isclass(initializer):
                initializer = initializer()
            if shape.is_fully_defined():
                init_val = _bind_initializer(initializer, shape.as_list(), dtype, partition_info)
                variable_dtype = dtype
            elif _needs_no_arguments(initializer):
                init_val, variable_dtype = initializer, None
            else:
                raise ValueError(
                    "The initializer passed is not valid. It should be a callable with no "
                    "arguments and the shape should not be provided or an instance of "
                    "`tf.keras.initializers.*' and `shape` should be fully defined."
                )

        v = Variable(
            initial_value=init_val,
            name=name,
            trainable=trainable,
            collections=collections,
            caching_device=caching_device,
            dtype=variable_dtype,
            validate_shape=validate_shape,
            constraint=constraint,
        )
        self._vars[name] = v
        self._origins[name] = _user_frames()
        if regularizer:
            with colocate_with(v.op), name_scope(name + "/Regularizer/"):
                loss = regularizer(v)
            if loss is not None:
                get_default_graph().add_to_collection(GraphKeys.REGULARIZATION_LOSSES, loss)
        return v


def _default_initializer(name, dtype):
    """Glorot-uniform for floats, zeros for integers, bools and strings (TF's defaults)."""
    from teachflow.ops import init_ops

    if dtype.is_floating:
        return init_ops.glorot_uniform_initializer()
    if dtype.is_integer or dtype.is_bool or dtype is dtypes.string:
        return init_ops.zeros_initializer()
    raise ValueError(f"An initializer for variable {name} of {dtype} is required")


def _bind_initializer(initializer, shape, dtype, partition_info=None):
    """``lambda: initializer(shape, dtype=dtype[, partition_info])``: `tf.Variable`
    calls it inside ``<name>/Initializer/`` so its ops land there."""
    try:
        params = inspect.signature(initializer).parameters
    except (TypeError, ValueError):
        params = {}
    takes_partition = "partition_info" in params or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()
    )
    if takes_partition:
        return functools.partial(initializer, shape, dtype=dtype, partition_info=partition_info)
    return functools.partial(initializer, shape, dtype=dtype)


def _needs_no_arguments(fn):
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    return all(
        p.default is not inspect.Parameter.empty
        or p.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
        for p in params
    )


def _user_frames():
    """The last few stack frames outside teachflow, most recent first (for error messages)."""
    frames = [f for f in traceback.extract_stack() if not f.filename.startswith(_PACKAGE_DIR)]
    return traceback.StackSummary.from_list(frames[::-1][:5])


def get_default_variable_store() -> VariableStore:
    stores = get_default_graph().get_collection(_VARSTORE_KEY)
    if stores:
        return stores[0]
    store = VariableStore()
    get_default_graph().add_to_collection(_VARSTORE_KEY, store)
    return store
