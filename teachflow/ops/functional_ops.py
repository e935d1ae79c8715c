"""``tf.map_fn``, ``tf.foldl``, ``tf.foldr`` and ``tf.scan``: while loops over TensorArrays.

Each unstacks its ``elems`` along the first dimension into a `TensorArray`, runs a v1
``tf.while_loop`` that reads element ``i`` in iteration ``i`` (and, for ``map_fn`` and
``scan``, writes ``fn``'s result into another TensorArray), and stacks the results: the
graph TensorFlow 1.x builds (``map/TensorArray``, ``map/while/...``,
``map/TensorArrayStack/TensorArrayGatherV3``).

    >>> import teachflow as tf
    >>> x = tf.constant([1.0, 2.0, 3.0])
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.map_fn(lambda e: e * e, x)))
    ...     print(sess.run(tf.foldl(lambda a, e: a + e, x)), sess.run(tf.scan(lambda a, e: a + e, x)))
    [1. 4. 9.]
    6.0 [1. 3. 6.]
"""

from __future__ import annotations

from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape, dimension_value
from teachflow.ops import control_flow_nest as nest
from teachflow.ops.control_flow_while import while_loop
from teachflow.ops.tensor_array_ops import TensorArray

__all__ = ["map_fn", "foldl", "foldr", "scan"]


def _length(first):
    """The number of elements: static when known (a Python int), else a tensor."""
    from teachflow.ops.shape_ops import shape

    n = dimension_value(first.shape[0]) if first.shape.ndims else None
    n = getattr(n, "value", n)
    return n if n is not None else shape(first)[0]


def _unstacked(elems_flat, n, element_shapes=False):
    tas = [
        TensorArray(
            e.dtype,
            size=n,
            dynamic_size=False,
            infer_shape=True,
            element_shape=e.shape[1:] if element_shapes and e.shape.ndims else None,
        )
        for e in elems_flat
    ]
    return [ta.unstack(e) for ta, e in zip(tas, elems_flat)]


def map_fn(
    fn,
    elems,
    dtype=None,
    parallel_iterations=None,
    back_prop=True,
    swap_memory=False,
    infer_shape=True,
    name=None,
    fn_output_signature=None,
):
    """``fn`` applied to each element of ``elems`` (unstacked on dimension 0), stacked.

    ``elems`` may be a structure of tensors (``fn`` gets the same structure); ``dtype``
    (or ``fn_output_signature``) gives ``fn``'s output structure of dtypes when it differs
    from ``elems``.

    >>> import teachflow as tf
    >>> r = tf.map_fn(lambda p: p[0] * p[1], (tf.constant([1, 2]), tf.constant([3, 4])),
    ...               dtype=tf.int32)
    >>> with tf.Session() as sess:
    ...     print(sess.run(r))
    [3 8]
    """
    if not callable(fn):
        raise TypeError(f"The provided function {fn.__name__} is not callable.fn must be callable.")
    signature = fn_output_signature if fn_output_signature is not None else dtype
    parallel_iterations = parallel_iterations or 10
    elems_flat = nest.flatten(elems)
    with name_scope(name, "map", elems_flat):
        elems_flat = [convert_to_tensor(e, name="elem") for e in elems_flat]
        if signature is None:
            out_dtypes = nest.pack_sequence_as(elems, [e.dtype.base_dtype for e in elems_flat])
        else:
            out_dtypes = signature
        n = _length(elems_flat[0])
        elems_ta = _unstacked(elems_flat, n)
        from teachflow.ops.constant_op import constant

        i = constant(0)
        accs_ta = [
            TensorArray(dt, size=n, dynamic_size=False, infer_shape=infer_shape)
            for dt in nest.flatten(out_dtypes)
        ]

        def compute(i, tas):
            packed = nest.pack_sequence_as(elems, [ta.read(i) for ta in elems_ta])
            result = fn(packed)
            nest.assert_same_structure(out_dtypes, result)
            flat = [convert_to_tensor(v) for v in nest.flatten(result)]
            tas = [ta.write(i, v) for ta, v in zip(tas, flat)]
            return (i + 1, tas)

        _, r_a = while_loop(
            lambda i, _: i < n,
            compute,
            (i, accs_ta),
            parallel_iterations=parallel_iterations,
            back_prop=back_prop,
            swap_memory=swap_memory,
            maximum_iterations=n,
        )
        return nest.pack_sequence_as(out_dtypes, _stacked(r_a, elems_flat))


def foldl(
    fn,
    elems,
    initializer=None,
    parallel_iterations=10,
    back_prop=True,
    swap_memory=False,
    name=None,
):
    """``fn(...fn(fn(initializer, e0), e1)..., e_last)`` (``e0`` is the start without an
    initializer).

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.foldl(lambda a, e: a * 10 + e, tf.constant([1, 2, 3]))))
    123
    """
    return _fold(fn, elems, initializer, parallel_iterations, back_prop, swap_memory, name, False)


def foldr(
    fn,
    elems,
    initializer=None,
    parallel_iterations=10,
    back_prop=True,
    swap_memory=False,
    name=None,
):
    """``foldl`` from the last element to the first.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.foldr(lambda a, e: a * 10 + e, tf.constant([1, 2, 3]))))
    321
    """
    return _fold(fn, elems, initializer, parallel_iterations, back_prop, swap_memory, name, True)


def _fold(fn, elems, initializer, parallel_iterations, back_prop, swap_memory, name, reverse):
    if not callable(fn):
        raise TypeError("fn must be callable.")
    from teachflow.ops.constant_op import constant

    with name_scope(name, "foldr" if reverse else "foldl", nest.flatten(elems)):
        elems_flat = [convert_to_tensor(e, name="elem") for e in nest.flatten(elems)]
        n = _length(elems_flat[0])
        elems_ta = nest.pack_sequence_as(elems, _unstacked(elems_flat, n))
        if reverse:
            if initializer is None:
                i = n - 1
                a = nest.map_structure(lambda ta: ta.read(i), elems_ta)
            else:
                i, a = n, initializer

            def compute(i, a):
                i -= 1
                elem = nest.map_structure(lambda ta: ta.read(i), elems_ta)
                return [i, fn(a, elem)]

            condition = lambda i, a: i > 0  # noqa: E731 - TF's spelling
        else:
            if initializer is None:
                a = nest.map_structure(lambda ta: ta.read(0), elems_ta)
                i = constant(1)
            else:
                a, i = initializer, constant(0)

            def compute(i, a):
                elem = nest.map_structure(lambda ta: ta.read(i), elems_ta)
                a = fn(a, elem)
                return [i + 1, a]

            condition = lambda i, a: i < n  # noqa: E731 - TF's spelling
        _, r_a = while_loop(
            condition,
            compute,
            [i, a],
            parallel_iterations=parallel_iterations,
            back_prop=back_prop,
            swap_memory=swap_memory,
            maximum_iterations=n,
        )
        return r_a


def scan(
    fn,
    elems,
    initializer=None,
    parallel_iterations=10,
    back_prop=True,
    swap_memory=False,
    infer_shape=True,
    reverse=False,
    name=None,
):
    """Every intermediate result of ``foldl`` (``foldr`` with ``reverse``), stacked.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.scan(lambda a, e: a * e, tf.constant([1, 2, 3, 4]), reverse=True)))
    [24 24 12  4]
    """
    if not callable(fn):
        raise TypeError("fn must be callable.")
    elems_flat = nest.flatten(elems)
    with name_scope(name, "scan", elems_flat):
        elems_flat = [convert_to_tensor(e, name="elem") for e in elems_flat]
        n = _length(elems_flat[0])
        elems_ta = _unstacked(elems_flat, n, element_shapes=True)
        if initializer is None:
            a_flat = [ta.read(n - 1 if reverse else 0) for ta in elems_ta]
            i = 1
            out_structure = elems
        else:
            a_flat = [convert_to_tensor(v) for v in nest.flatten(initializer)]
            i = 0
            out_structure = initializer
        accs_ta = [
            TensorArray(
                a.dtype,
                size=n,
                element_shape=a.shape if infer_shape else None,
                dynamic_size=False,
                infer_shape=infer_shape,
            )
            for a in a_flat
        ]
        if initializer is None:
            accs_ta = [ta.write(n - 1 if reverse else 0, a) for ta, a in zip(accs_ta, a_flat)]

        def compute(i, a_flat, tas):
            packed_elems = nest.pack_sequence_as(elems, [ta.read(i) for ta in elems_ta])
            a_out = fn(nest.pack_sequence_as(out_structure, a_flat), packed_elems)
            nest.assert_same_structure(out_structure, a_out)
            flat_out = [convert_to_tensor(v) for v in nest.flatten(a_out)]
            tas = [ta.write(i, v) for ta, v in zip(tas, flat_out)]
            return (i - 1 if reverse else i + 1, flat_out, tas)

        if reverse:
            initial_i = n - 1 - i
            condition = lambda i, _1, _2: i >= 0  # noqa: E731 - TF's spelling
        else:
            initial_i = i
            condition = lambda i, _1, _2: i < n  # noqa: E731 - TF's spelling
        _, _, r_a = while_loop(
            condition,
            compute,
            (initial_i, a_flat, accs_ta),
            parallel_iterations=parallel_iterations,
            back_prop=back_prop,
            swap_memory=swap_memory,
            maximum_iterations=n,
        )
        return nest.pack_sequence_as(out_structure, _stacked(r_a, elems_flat))


def _stacked(arrays, elems_flat) -> list:
    """The TensorArrays a loop wrote, one element per step, stacked; their first dimension
    is the elements' when it is known statically (map_fn's and scan's outputs)."""
    results = [ta.stack() for ta in arrays]
    n_static = dimension_value(elems_flat[0].shape[0]) if elems_flat[0].shape.ndims else None
    n_static = getattr(n_static, "value", n_static)
    for r in results:
        if r.shape.ndims is not None:
            r.set_shape(TensorShape([n_static]).concatenate(r.shape[1:]))
    return results
