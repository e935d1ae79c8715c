"""``tf.cond`` and ``tf.case``, built as TensorFlow 1.x builds them: Switch, branches, Merge.

``tf.cond(pred, true_fn, false_fn)`` adds, under ``cond/``: ``Switch`` (the pred switched on
itself), its two outputs' Identities ``switch_t`` and ``switch_f`` (the branches' *pivots*),
``pred_id`` (the pred every other Switch reads), then each branch built in its own
`CondContext`, and one ``Merge`` per returned tensor. Only the taken branch's ops run: the
other branch's tensors are dead (`teachflow.runtime.control_flow`).

    >>> import teachflow as tf
    >>> x = tf.placeholder(tf.float32, [])
    >>> y = tf.cond(x > 0.0, lambda: x * 2.0, lambda: -x)
    >>> with tf.Session() as sess:
    ...     print(sess.run(y, {x: 3.0}), sess.run(y, {x: -4.0}))
    6.0 4.0

``tf.case`` is a chain of conds, the first true predicate winning (with ``exclusive``, an
Assert checks that at most one is true; without ``default``, the last branch is the
default, guarded by an Assert that its predicate is true).
"""

from __future__ import annotations

import functools

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.operation import Operation, Tensor
from teachflow.framework.scopes import colocate_with, control_dependencies, name_scope
from teachflow.framework.sparse_tensor import SparseTensor
from teachflow.ops import control_flow_nest as nest
from teachflow.ops.cond_context import CondContext
from teachflow.ops.control_flow_primitives import merge, switch
from teachflow.ops.identity_ops import identity

__all__ = ["cond", "case", "with_dependencies"]


def with_dependencies(dependencies, output_tensor, name=None):
    """``output_tensor``'s value, available only once ``dependencies`` have run."""
    with name_scope(name, "control_dependency", list(dependencies) + [output_tensor]) as scope:
        with colocate_with(output_tensor.op), control_dependencies(dependencies):
            return identity(output_tensor, name=scope)


def cond(pred, true_fn=None, false_fn=None, strict=False, name=None, fn1=None, fn2=None):
    """``true_fn()`` if ``pred`` else ``false_fn()``, as a v1 Switch/Merge cond.

    Both functions return the same structure (tensors, or ops: an op branch returns the
    pivot once the op ran); singletons are unpacked unless ``strict``. Only the branch
    taken runs.

    >>> import teachflow as tf
    >>> p = tf.placeholder(tf.bool, [])
    >>> a, b = tf.cond(p, lambda: (1, 2), lambda: (3, 4))
    >>> with tf.Session() as sess:
    ...     print(*sess.run([a, b], {p: False}))
    3 4

    Raises TypeError when a function is missing or ``pred`` is a Python bool, and
    ValueError when the branches' structures or dtypes differ.
    """
    true_fn = fn1 if fn1 is not None else true_fn
    false_fn = fn2 if fn2 is not None else false_fn
    for label, fn in (("true_fn", true_fn), ("false_fn", false_fn)):
        if fn is None:
            raise TypeError(f"'{label}' must not be None.")
        if not callable(fn):
            raise TypeError(f"'{label}' must be callable.")
    with name_scope(name, "cond", [pred]):
        if isinstance(pred, bool):
            raise TypeError("'pred' must not be a Python bool.")
        pred = convert_to_tensor(pred)
        p_2, p_1 = switch(pred, pred)
        pivot_1 = identity(p_1, name="switch_t")
        pivot_2 = identity(p_2, name="switch_f")
        pred = identity(pred, name="pred_id")
        for t in (p_1, p_2, pivot_1, pivot_2, pred):  # each holds one branch's view
            t.graph.prevent_fetching(t.op)
        orig_t, res_t = _build_branch(CondContext(pred, pivot_1, 1), true_fn, "true_fn")
        orig_f, res_f = _build_branch(CondContext(pred, pivot_2, 0), false_fn, "false_fn")
        if not strict:
            orig_t, orig_f = _unpack_if_singleton(orig_t), _unpack_if_singleton(orig_f)
        nest.assert_same_structure(orig_t, orig_f)  # TF lets nest's error through
        if not res_t:
            raise ValueError("'true_fn' and 'false_fn' must return at least one result.")
        for x, y in zip(nest.flatten(res_t), nest.flatten(res_f)):
            if isinstance(x, SparseTensor) != isinstance(y, SparseTensor):
                raise ValueError(
                    "The two structures don't have the same nested structure.\n\n"
                    f"First structure: {orig_t!r}\n\nSecond structure: {orig_f!r}"
                )
        flat_t, flat_f = _components(nest.flatten(res_t)), _components(nest.flatten(res_f))
        for x, y in zip(flat_t, flat_f):
            if x.dtype.base_dtype != y.dtype.base_dtype:
                raise ValueError(
                    "Outputs of 'true_fn' and 'false_fn' must have the same type(s). "
                    f"Received {x.dtype.base_dtype.name} from 'true_fn' and "
                    f"{y.dtype.base_dtype.name} from 'false_fn'."
                )
        merges = [merge([f, t])[0] for f, t in zip(flat_f, flat_t)]
        regrouped = _regroup(nest.flatten(res_t), nest.flatten(res_f), merges)
        merges = nest.pack_sequence_as(orig_t, regrouped)
        return _unpack_if_singleton(merges) if not strict else merges


def _build_branch(context, fn, label):
    """Call ``fn`` inside ``context``: its result as returned, and as the branch's tensors."""
    context.enter()
    try:
        original = fn()
        if original is None:
            raise ValueError(f"'{label}' must have a return value.")
        result = nest.map_structure(lambda v: _branch_tensor(context, v), original)
        if not isinstance(result, (list, tuple)):
            result = [result]
    finally:
        context.exit()
    return original, result


def _components(flat):
    """The leaves with each SparseTensor as its three tensors (TF's ``expand_composites``)."""
    out = []
    for v in flat:
        out.extend((v.indices, v.values, v.dense_shape) if isinstance(v, SparseTensor) else [v])
    return out


def _regroup(flat_t, flat_f, merged):
    """``merged`` (one per component) back into one leaf per leaf of the branches."""
    it, out = iter(merged), []
    for v, w in zip(flat_t, flat_f):
        if isinstance(v, SparseTensor):
            sp = SparseTensor(next(it), next(it), next(it))
            if v.shape.ndims is not None and v.shape.as_list() == w.shape.as_list():
                sp._shape = v.shape  # both branches agree: the static shape is known
            out.append(sp)
        else:
            out.append(next(it))
    return out


def _branch_tensor(context, v):
    if isinstance(v, SparseTensor):
        parts = [context.process_output(t) for t in (v.indices, v.values, v.dense_shape)]
        sp = SparseTensor(*parts)
        sp._shape = v.shape
        return sp
    if isinstance(v, Operation):
        return with_dependencies([v], context.pivot)  # an op: the pivot, once it ran
    if hasattr(v, "_as_graph_element") and not isinstance(v, Tensor):
        v = v._as_graph_element()  # a Variable: its value
    return context.process_output(convert_to_tensor(v))


def _unpack_if_singleton(res):
    if isinstance(res, (list, tuple)) and len(res) == 1:
        return res[0]
    return res


# -- case --------------------------------------------------------------------------------
def case(pred_fn_pairs, default=None, exclusive=False, strict=False, name="case"):
    """The result of the first function whose predicate is true (else ``default()``).

    >>> import teachflow as tf
    >>> x = tf.placeholder(tf.int32, [])
    >>> r = tf.case([(x < 0, lambda: -1), (x > 0, lambda: 1)], default=lambda: 0)
    >>> with tf.Session() as sess:
    ...     print([int(sess.run(r, {x: v})) for v in (-5, 0, 7)])
    [-1, 0, 1]

    With ``exclusive=True`` an Assert fails the step (InvalidArgumentError) when more than
    one predicate is true; without ``default`` the last pair is the default, and the step
    fails when no predicate is true.
    """
    predicates, actions = _case_pairs(pred_fn_pairs)
    with name_scope(name, "case", predicates):
        if default is None:
            default, predicates, actions = _default_action(predicates, actions)
        fn = default
        # The conditions are evaluated in order: nested conds built from the last one.
        for predicate, action in reversed(list(zip(predicates, actions))):
            fn = functools.partial(cond, predicate, action, fn, strict=strict)
        if exclusive:
            check = _assert_at_most_n_true(predicates, 1, "Input error: exclusive=True")
            with control_dependencies([check]):
                return fn()
        return fn()


def _case_pairs(pred_fn_pairs):
    if isinstance(pred_fn_pairs, dict):
        pred_fn_pairs = list(pred_fn_pairs.items())
    if not isinstance(pred_fn_pairs, (list, tuple)):
        raise TypeError(f"pred_fn_pairs must be a list, tuple, or dict. Received: {pred_fn_pairs}")
    predicates, actions = [], []
    for pair in pred_fn_pairs:
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise TypeError(f"Each entry in pred_fn_pairs must be a 2-tuple. Received {pair}.")
        pred, fn = pair
        if not isinstance(pred, Tensor) or pred.dtype.base_dtype != dtypes.bool_:
            raise TypeError(f"pred must be Tensor of type bool: {getattr(pred, 'name', pred)}")
        if not callable(fn):
            raise TypeError(f"fn for pred {pred.name} must be callable.")
        predicates.append(pred)
        actions.append(fn)
    return predicates, actions


def _default_action(predicates, actions):
    """TF's ``_case_create_default_action``: the last pair becomes the default, guarded
    by Asserts that no other predicate is true and that its own is."""
    from teachflow.ops.check_ops import Assert
    from teachflow.ops.joining import stack

    k = len(predicates) - 1
    if k < 0:
        raise ValueError("tf.case requires at least one predicate when no default is given.")
    predicate, action = predicates[k], actions[k]
    others, other_actions = predicates[:k], actions[:k]

    def default_action():
        others_msg = (
            f"Implementation error: selected default action #{k} was called, but some of "
            "other predicates are True: "
        )
        default_msg = (
            "Input error: None of conditions evaluated as True:",
            stack(predicates, name="preds_c"),
        )
        checks = [_assert_at_most_n_true(others, 0, others_msg), Assert(predicate, default_msg)]
        with control_dependencies(checks):
            return action()

    return default_action, others, other_actions


def _assert_at_most_n_true(predicates, n, msg):
    from teachflow.ops.arithmetic_ops import cast
    from teachflow.ops.check_ops import Assert
    from teachflow.ops.comparison_ops import less_equal
    from teachflow.ops.constant_op import constant
    from teachflow.ops.joining import stack
    from teachflow.ops.reduction_ops import reduce_sum

    preds_c = stack(predicates, name="preds_c")
    num_true = reduce_sum(cast(preds_c, dtypes.int32), name="num_true_conds")
    condition = less_equal(num_true, constant(n, name="n_true_conds"))
    names = ", ".join(getattr(p, "name", "?") for p in predicates)
    error = [f"{msg}: more than {n} conditions ({names}) evaluated as True:", preds_c]
    return Assert(condition, data=error, summarize=len(predicates))
