"""``tf.custom_gradient``: a function that says what its own gradient is.

The decorated ``f`` returns its result and a ``grad_fn``; in a graph TensorFlow passes
the results *and the inputs* through one ``IdentityN`` op whose gradient is overridden
(``Graph.gradient_override_map``) by a gradient registered under a fresh name,
``CustomGradient-<uid>``. ``tf.gradients`` meets that IdentityN first, calls ``grad_fn``
with the results' gradients and hands what it returns to the inputs, so the ops inside
``f`` are never differentiated.

    >>> import teachflow as tf
    >>> @tf.custom_gradient
    ... def log1pexp(x):
    ...     e = tf.exp(x)
    ...     def grad(dy):
    ...         return dy * (1 - 1 / (1 + e))
    ...     return tf.log(1 + e), grad
    >>> x = tf.constant([0.0, 100.0])
    >>> y = log1pexp(x)
    >>> y.op.type
    'IdentityN'
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.gradients(y, x))[0])
    [0.5 1. ]

Variables that ``f`` reads between its inputs and results get gradients too: ``grad_fn``
must then take a ``variables`` keyword and return ``(input_grads, variable_grads)``.
Variables *created* inside ``f`` must be resource variables in TensorFlow; teachflow's
are reference variables, so creating one there is the TypeError TF raises.
"""

from __future__ import annotations

import functools
import inspect
import itertools

from teachflow.framework import registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import GraphKeys, get_default_graph
from teachflow.ops import control_flow_nest as nest
from teachflow.ops.identity_ops import identity, identity_n

__all__ = ["custom_gradient"]

# TensorFlow's ops.uid(): one counter for the process, so each override name is new.
_uid = itertools.count(1)

# The op types that hold a variable (TF's custom_gradient.VAR_OP_TYPES).
_VARIABLE_OP_TYPES = ("VariableV2", "VarHandleOp")


def _graph_variables(graph):
    return graph.get_collection(GraphKeys.GLOBAL_VARIABLES) + graph.get_collection(
        GraphKeys.LOCAL_VARIABLES
    )


def _dependent_variables(graph, inputs, results):
    """The trainable variables whose ops lie between ``inputs`` and ``results``
    (TF's _get_dependent_variables: a walk back from an Identity of each result)."""
    seeds = [identity(r).op for r in results]
    stop = set(inputs)
    seen, stack, found = set(), list(seeds), []
    while stack:
        op = stack.pop()
        for t in op.inputs:
            if t in stop or t.op in seen:
                continue
            seen.add(t.op)
            if t.op.type in _VARIABLE_OP_TYPES:
                found.append(t.op.name)
            stack.append(t.op)
    by_name = {}
    for v in graph.get_collection(GraphKeys.GLOBAL_VARIABLES):
        if v.op.name in found and v.trainable:
            by_name.setdefault(v.op.name, v)
    return sorted(by_name.values(), key=lambda v: v.name)


def _graph_mode_call(f, args):
    name = f"CustomGradient-{next(_uid)}"
    args = nest.map_structure(convert_to_tensor, list(args))
    graph = get_default_graph()
    before = set(map(id, _graph_variables(graph)))
    result, grad_fn = f(*args)
    if any(id(v) not in before for v in _graph_variables(graph)):
        raise TypeError(
            "All variables used by a function wrapped with @custom_gradient must be "
            "`ResourceVariable`s. Ensure that no `variable_scope` is created with "
            "`use_resource=False`."
        )
    flat_args = nest.flatten(args)
    flat_result = nest.flatten(result)
    n_result = len(flat_result)
    variables = _dependent_variables(graph, flat_args, flat_result)

    params = inspect.signature(grad_fn).parameters
    takes_variables = "variables" in params or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()
    )
    if variables and not takes_variables:
        raise TypeError(
            "@tf.custom_gradient grad_fn must accept keyword argument 'variables', "
            f"since function uses variables: {variables}"
        )

    def override(op, *result_grads):
        result_grads = list(result_grads[:n_result])
        if variables:
            input_grads, variable_grads = grad_fn(*result_grads, variables=variables)
            if len(variable_grads) != len(variables):
                raise ValueError(
                    "Must return gradient for each variable from @custom_gradient grad_fn."
                )
        else:
            input_grads = grad_fn(*result_grads)
            variable_grads = []
        return [None] * n_result + nest.flatten(input_grads) + list(variable_grads)

    registry.set_gradient(name, override)
    with graph.gradient_override_map({"IdentityN": name}):
        passed = identity_n(flat_result + flat_args + variables)
    return nest.pack_sequence_as(result, passed[:n_result])


def custom_gradient(f=None):
    """Decorate ``f(*tensors) -> (result, grad_fn)``: the result's gradient is what
    ``grad_fn(*result_grads)`` returns for the inputs (see the module docstring)."""
    if f is None:
        return custom_gradient

    @functools.wraps(f)
    def decorated(*args, **kwargs):
        if kwargs:
            raise ValueError(
                "The custom_gradient decorator currently supports keywords arguments only "
                "when eager execution is enabled."
            )
        return _graph_mode_call(f, args)

    return decorated
