"""Partitioned variables: one logical variable stored as shards ``name/part_0``,
``name/part_1``, ... split along one axis, as `tf.get_variable(..., partitioner=...)` and
`tf.create_partitioned_variables` make them (the partitioners are in
`teachflow.ops.partitioners`).

Each shard is an ordinary variable in the collections; its initializer is called with the
shard's shape and a `PartitionInfo` (the full shape and the shard's offset), so an
initializer that cares (``tf.initializers.identity``) can slice its full value. The
`PartitionedVariable` lists the shards; used as a tensor it is their ``concat`` under
``name/ConcatPartitions/`` with an ``Identity`` named ``name``.

    >>> import teachflow as tf
    >>> w = tf.get_variable("w", [5, 2], partitioner=tf.fixed_size_partitioner(2))
    >>> [v.name for v in w], w.get_shape()
    (['w/part_0:0', 'w/part_1:0'], TensorShape([Dimension(5), Dimension(2)]))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from teachflow.framework import dtypes
from teachflow.framework.conversion import register_tensor_conversion_function
from teachflow.framework.scopes import control_dependencies, name_scope
from teachflow.framework.shapes import TensorShape, as_shape

__all__ = ["PartitionedVariable", "create_partitioned_variables"]


@dataclass(frozen=True, slots=True)
class PartitionInfo:
    """Where a shard sits in its variable: the full shape and the shard's offset."""

    full_shape: list
    var_offset: list

    def single_offset(self, shape):
        """The shard's offset along the one axis it is split on (0 if none)."""
        dim = self.single_slice_dim(shape)
        return 0 if dim is None else self.var_offset[dim]

    def single_slice_dim(self, shape):
        """The axis along which ``shape`` is a slice of the full shape (None: not sliced)."""
        dims = [i for i, (s, f) in enumerate(zip(shape, self.full_shape)) if s != f]
        if len(dims) > 1:
            raise ValueError(
                f"Cannot use single_slice_dim() with shape: {list(shape)} and full_shape: "
                f"{self.full_shape} since slice dim could be one of: {dims}"
            )
        return dims[0] if dims else None


@dataclass(frozen=True, slots=True)
class SaveSliceInfo:
    """What a Saver needs to write a shard as a slice of the full variable."""

    full_name: str
    full_shape: list
    var_offset: list
    var_shape: list

    @property
    def spec(self) -> str:
        """TF's slice spec: ``"10 3 0,4:0,3"`` (full shape, then offset,length per axis)."""
        full = " ".join(str(d) for d in self.full_shape)
        parts = ":".join(f"{o},{s}" for o, s in zip(self.var_offset, self.var_shape))
        return f"{full} {parts}"


class PartitionedVariable:
    """The shards of one variable (iterate over them), usable as one tensor."""

    def __init__(self, name, shape, dtype, variable_list, partitions):
        self._name = name
        self._shape = as_shape(shape)
        self._dtype = dtypes.as_dtype(dtype)
        self._variable_list = sorted(variable_list, key=lambda v: v._save_slice_info.var_offset)
        self._partitions = list(partitions)
        self._as_tensor = None

    def __iter__(self):
        return iter(self._variable_list)

    def __len__(self):
        num_partition_axes = len(self._partition_axes())
        if num_partition_axes > 1:
            raise ValueError(f"Cannot get a length of {num_partition_axes} partition axes")
        return len(self._variable_list)

    def _partition_axes(self):
        if all(p == 1 for p in self._partitions):
            return [0]
        return [i for i, p in enumerate(self._partitions) if p > 1]

    def _concat(self):
        from teachflow.ops.identity_ops import identity
        from teachflow.ops.joining import concat

        if len(self._variable_list) == 1:
            with name_scope(None):
                return identity(self._variable_list[0], name=self._name)
        partition_axes = self._partition_axes()
        if len(partition_axes) > 1:
            raise NotImplementedError(
                f"Cannot concatenate along more than one dimension: {partition_axes}.  "
                "Multi-axis partition concat is not supported"
            )
        with name_scope(self._name + "/ConcatPartitions/"):
            concatenated = concat(self._variable_list, partition_axes[0])
        with name_scope(None):
            return identity(concatenated, name=self._name)

    def as_tensor(self):
        """The shards concatenated (new ops at every call, outside any control scope)."""
        with control_dependencies(None):
            return self._concat()

    @property
    def name(self) -> str:
        return self._name

    @property
    def dtype(self):
        return self._dtype

    @property
    def shape(self) -> TensorShape:
        return self._shape

    def get_shape(self) -> TensorShape:
        return self._shape

    def _get_variable_list(self):
        return self._variable_list

    def _get_partitions(self):
        return self._partitions


register_tensor_conversion_function(
    PartitionedVariable, lambda v, dtype=None, name=None, as_ref=False: v.as_tensor()
)


def _call_partitioner(partitioner, shape, dtype):
    """The partitioner's answer, checked as TF checks it."""
    if not shape.is_fully_defined():
        raise ValueError(
            f"Shape of a new partitioned variable must be fully defined, but instead was {shape}."
        )
    if shape.ndims < 1:
        raise ValueError(f"A partitioned Variable must have rank at least 1, shape: {shape}")
    slicing = partitioner(shape=shape, dtype=dtype)
    if not isinstance(slicing, Sequence):
        raise ValueError(f"Partitioner must return a sequence, but saw: {slicing}")
    if len(slicing) != shape.ndims:
        raise ValueError(
            "Partitioner returned a partition list that does not match the Variable's rank: "
            f"{slicing} vs. {shape}"
        )
    if any(p < 1 for p in slicing):
        raise ValueError(f"Partitioner returned zero partitions for some axes: {slicing}")
    if sum(p > 1 for p in slicing) > 1:
        raise ValueError(
            f"Can only slice a variable along one dimension: shape: {shape}, "
            f"partitioning: {slicing}"
        )
    return slicing


def _slice_dim_and_num_slices(slicing):
    for i, num_slices in enumerate(slicing):
        if num_slices != 1:
            return i, num_slices
    return 0, 1


def _iter_slices(full_shape, num_slices, slice_dim):
    """(offset, shape) of each shard: the first ``size % n`` shards one row longer."""
    num_slices_with_excess = full_shape[slice_dim] % num_slices
    offset = [0] * len(full_shape)
    min_slice_len = full_shape[slice_dim] // num_slices
    for i in range(num_slices):
        shape = full_shape[:]
        shape[slice_dim] = min_slice_len + bool(i < num_slices_with_excess)
        yield offset[:], shape
        offset[slice_dim] += shape[slice_dim]


def _initial_value_for(initializer, var_offset, var_shape, dtype):
    """(initializer, shape, dtype) for one shard: a callable is called per shard, a value
    or tensor is sliced (TF's ``part_i/PartitionedInitializer/Slice``)."""
    from teachflow.framework.conversion import convert_to_tensor
    from teachflow.framework.operation import Tensor
    from teachflow.ops.slicing import slice as slice_

    if initializer is None or callable(initializer):
        return initializer, var_shape, dtype
    if isinstance(initializer, Tensor):
        init = slice_(initializer, var_offset, var_shape)
        return init, None, init.dtype.base_dtype
    init = slice_(convert_to_tensor(initializer, dtype=dtype), var_offset, var_shape)
    return init, None, dtype


def get_partitioned_variable(store, name, partitioner, shape, dtype, initializer, reuse, **kw):
    """The `VariableStore`'s partitioned variable ``name``: found (checked against the
    shape, dtype and partitions asked for) or created shard by shard."""
    from teachflow.framework.operation import Tensor

    if name in store._vars:
        raise ValueError(
            "A partitioner was provided, but an unpartitioned version of the variable was "
            f"found: {name}.  Perhaps a variable of the same name was already created "
            "without partitioning?"
        )
    shape = as_shape(shape)
    if isinstance(initializer, Tensor):
        shape = shape.merge_with(initializer.shape)
    partitions = _call_partitioner(partitioner, shape, dtype) if not reuse or partitioner else None
    found = store._partitioned_vars.get(name)
    if found is not None:
        return _reused(found, name, shape, dtype, partitions, reuse)
    if reuse is True:
        raise ValueError(
            f"PartitionedVariable {name} does not exist, or was not created with "
            "tf.get_variable(). Did you mean to set reuse=False or reuse=tf.AUTO_REUSE in "
            "VarScope?"
        )
    slice_dim, num_slices = _slice_dim_and_num_slices(partitions)
    _check_existing_shards(store, name, num_slices)
    shards = []
    for i, (var_offset, var_shape) in enumerate(
        _iter_slices(shape.as_list(), num_slices, slice_dim)
    ):
        part_name = f"{name}/part_{i}"
        with name_scope(part_name + "/PartitionedInitializer"):
            init, init_shape, dtype = _initial_value_for(initializer, var_offset, var_shape, dtype)
        with name_scope(None):
            var = store._get_single_variable(
                part_name,
                init_shape,
                dtype,
                init,
                kw.get("regularizer"),
                reuse,
                kw.get("trainable", True),
                kw.get("collections"),
                kw.get("caching_device"),
                kw.get("validate_shape", True),
                kw.get("constraint"),
                partition_info=PartitionInfo(shape.as_list(), var_offset),
            )
        var._save_slice_info = SaveSliceInfo(name, shape.as_list(), var_offset, var_shape)
        shards.append(var)
    partitioned = PartitionedVariable(name, shape, dtype, shards, partitions)
    store._partitioned_vars[name] = partitioned
    return partitioned


def _reused(found, name, shape, dtype, partitions, reuse):
    if reuse is False:
        raise ValueError(
            f"Partitioned variable with name {name} already exists. Did you mean to set "
            "reuse=True or reuse=tf.AUTO_REUSE in VarScope?"
        )
    if not shape.is_compatible_with(found.get_shape()):
        raise ValueError(
            f"Trying to reuse partitioned variable {name}, but specified shape {shape} and "
            f"found shape {found.get_shape()}."
        )
    if not dtypes.as_dtype(dtype).is_compatible_with(found.dtype):
        raise ValueError(
            f"Trying to reuse partitioned variable {name}, but specified dtype "
            f"{dtypes.as_dtype(dtype).name} and found dtype {found.dtype.name}."
        )
    if partitions is not None and found._get_partitions() != list(partitions):
        raise ValueError(
            f"Trying to reuse partitioned variable {name}, but specified partitions "
            f"{list(partitions)} and found partitions {found._get_partitions()}."
        )
    return found


def _check_existing_shards(store, name, num_slices):
    if f"{name}/part_0" not in store._vars:
        return
    if f"{name}/part_{num_slices - 1}" not in store._vars:
        raise ValueError(
            "Partitioner returned a different partitioning than what was already found.  "
            f"Partitioner returned {num_slices} shards, and shard {name}/part_0 was found, "
            f"but {name}/part_{num_slices - 1} was not."
        )
    if f"{name}/part_{num_slices}" in store._vars:
        raise ValueError(
            "Partitioner returned a different partitioning than what was already found.  "
            f"Partitioner returned {num_slices} shards, and shard {name}/part_0 was found, "
            f"but so was the extra shard {name}/part_{num_slices}."
        )


def create_partitioned_variables(
    shape,
    slicing,
    initializer,
    dtype=dtypes.float32,
    trainable=True,
    collections=None,
    name=None,
    reuse=None,
):
    """The shards (a list of variables) of a variable of ``shape`` split as ``slicing``
    says (one count per axis, one of them above 1), in the variable scope ``name``."""
    from teachflow.ops.variable_scope import get_variable_scope, variable_scope
    from teachflow.ops.variable_store import get_default_variable_store

    if len(shape) != len(slicing):
        raise ValueError(
            "The 'shape' and 'slicing' of a partitioned Variable must have the length: "
            f"shape: {shape}, slicing: {slicing}"
        )
    if len(shape) < 1:
        raise ValueError(f"A partitioned Variable must have rank at least 1: shape: {shape}")
    with variable_scope(name, "PartitionedVariable", reuse=reuse):
        scope = get_variable_scope()
        with name_scope(None):
            partitioned = get_partitioned_variable(
                get_default_variable_store(),
                scope.name,
                lambda **unused: slicing,
                shape,
                dtypes.as_dtype(dtype),
                initializer if initializer is not None else scope.initializer,
                scope.reuse,
                trainable=trainable,
                collections=collections,
            )
    return list(partitioned)
