"""Embedding lookups in a table split into shards (a list of tensors or variables, or a
`PartitionedVariable`), as TensorFlow's ``embedding_lookup`` does them.

Each id is assigned to a shard and a row in it — ``"mod"``: shard ``id % n``, row
``id // n``; ``"div"``: consecutive ids per shard, the first ``total % n`` shards one row
longer — the ids are split by shard with ``DynamicPartition``, each shard gathers its rows
where it lives, and ``ParallelDynamicStitch`` puts the rows back in the ids' order.

    >>> import teachflow as tf
    >>> shards = [tf.constant([[0.0], [2.0]]), tf.constant([[1.0], [3.0]])]
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.nn.embedding_lookup(shards, [3, 0, 1])).tolist())
    [[3.0], [0.0], [1.0]]
"""

from __future__ import annotations

from teachflow.framework import dtypes, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import get_default_graph
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import dimension_value
from teachflow.ops.partition_ops import _infer_stitch, _stitch_grad, _stitch_kernel

__all__: list = []

# The same merge as DynamicStitch; TF's kernel may copy the pieces in parallel, and a
# repeated index then keeps any one of its values (the ids here never repeat).
registry.register("ParallelDynamicStitch", _infer_stitch, _stitch_kernel, grad=_stitch_grad)


def parallel_dynamic_stitch(indices, data, name=None):
    """``merged[indices[m][i]] = data[m][i]`` (``ParallelDynamicStitch``)."""
    with name_scope(name, "ParallelDynamicStitch", [*indices, *data]) as scope:
        indices = [convert_to_tensor(i, dtype=dtypes.int32, name="indices") for i in indices]
        data = [convert_to_tensor(d, name="data") for d in data]
        attrs = {"N": len(data), "T": data[0].dtype.base_dtype}
        graph = data[0].graph
        return graph.create_op(
            "ParallelDynamicStitch", [*indices, *data], attrs, name=scope
        ).outputs[0]


def _div_assignments(params, flat_ids):
    from teachflow.ops import array_ops, math_ops
    from teachflow.ops.constant_op import constant

    n = len(params)
    sizes = [dimension_value(p.shape[0]) if p.shape.ndims else None for p in params]
    if all(s is not None for s in sizes):
        num_total_ids = constant(sum(sizes), flat_ids.dtype)
    else:
        parts = []
        for p, s in zip(params, sizes):
            if s is not None:
                parts.append(s)
            else:
                with get_default_graph().colocate_with(p.op):
                    parts.append(array_ops.shape(p)[0])
        num_total_ids = math_ops.reduce_sum(math_ops.cast(array_ops.stack(parts), flat_ids.dtype))
    ids_per_partition = num_total_ids // n
    extras = num_total_ids % n
    p_assignments = math_ops.maximum(
        flat_ids // (ids_per_partition + 1), (flat_ids - extras) // ids_per_partition
    )
    new_ids = math_ops.where(
        p_assignments < extras,
        flat_ids % (ids_per_partition + 1),
        (flat_ids - extras) % ids_per_partition,
    )
    return p_assignments, new_ids


def sharded_embedding_lookup(params, ids, partition_strategy="mod", name=None, max_norm=None):
    """The rows ``ids`` of the table whose shards are ``params`` (at least two), each row
    scaled down to L2 norm ``max_norm`` if longer."""
    from teachflow.ops import array_ops, math_ops
    from teachflow.ops.gathering import gather
    from teachflow.ops.partition_ops import dynamic_partition

    with name_scope(name, "embedding_lookup", params + [ids]) as name:
        n = len(params)
        params = [convert_to_tensor(p, name="params") for p in params]
        ids = convert_to_tensor(ids, name="ids")
        flat_ids = array_ops.reshape(ids, [-1])
        original_indices = array_ops.range(array_ops.size(flat_ids, out_type=dtypes.int32))
        if partition_strategy == "mod":
            p_assignments, new_ids = flat_ids % n, flat_ids // n
        elif partition_strategy == "div":
            p_assignments, new_ids = _div_assignments(params, flat_ids)
        else:
            raise ValueError(
                f"Unrecognized partition strategy: {partition_strategy}."
                "Must be one of either `mod` or `div`."
            )
        p_assignments = math_ops.cast(p_assignments, dtypes.int32)
        gather_ids = dynamic_partition(new_ids, p_assignments, n)
        pindices = dynamic_partition(original_indices, p_assignments, n)
        partitioned_result = []
        for p in range(n):
            # Each shard's rows are gathered where that shard lives.
            with get_default_graph().colocate_with(params[p].op):
                partitioned_result.append(gather(params[p], gather_ids[p]))
        ret = parallel_dynamic_stitch(pindices, partitioned_result, name=name)
        element_shape_s = params[0].shape[1:]
        for p in params[1:]:
            element_shape_s = element_shape_s.merge_with(p.shape[1:])
        if element_shape_s.is_fully_defined():
            element_shape_d = element_shape_s.as_list()
        else:
            with get_default_graph().colocate_with(params[0].op):
                element_shape_d = array_ops.shape(params[0])[1:]
        ret = array_ops.reshape(ret, array_ops.concat([array_ops.shape(ids), element_shape_d], 0))
        ret.set_shape(ids.shape.concatenate(element_shape_s))
        if max_norm is None:
            return ret
        from teachflow.ops.clip_ops import clip_by_norm

        ids_rank, rank = ids.shape.ndims, ret.shape.ndims
        return clip_by_norm(ret, max_norm, axes=list(range(ids_rank, rank)))
