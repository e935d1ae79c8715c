"""``tf.edit_distance``: the Levenshtein distance between sequences held in SparseTensors.

A SparseTensor of rank ``R`` holds one sequence per index of its first ``R - 1``
dimensions (the last dimension counts along the sequence). ``EditDistance`` pairs the
hypothesis and truth sequences at the same index and gives, for each, the fewest
insertions, deletions and substitutions that turn one into the other: a dense float32
tensor whose shape is, dimension by dimension, the larger of the two ``dense_shape[:-1]``.
With ``normalize`` a distance is divided by the truth's length; a missing truth makes it
``inf`` (0 when the hypothesis is missing too), a missing hypothesis 1.0.

    >>> import teachflow as tf
    >>> hypothesis = tf.SparseTensor([[0, 0], [0, 1], [0, 2]], ["b", "e", "d"], [1, 3])
    >>> truth = tf.SparseTensor([[0, 0], [0, 1], [0, 2]], ["b", "a", "d"], [1, 3])
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.edit_distance(hypothesis, truth, normalize=False)))
    [1.]
"""

from __future__ import annotations

import itertools

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.graph import get_default_graph
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.framework.sparse_tensor import SparseTensor, SparseTensorValue
from teachflow.ops.static_value import constant_value

__all__ = ["edit_distance"]


def _shape_str(shape):
    return "[" + ",".join(str(d) for d in shape) + "]"


def _check_sparse(indices, values, shape, which):
    # TF's ValidateShapes, in its order and words.
    if indices.ndim != 2:
        raise _invalid(
            f"{which}_indices should be a matrix, but got shape: {_shape_str(indices.shape)}"
        )
    if values.ndim != 1 or values.shape[0] != indices.shape[0]:
        raise _invalid(
            f"Expected {which}_values.NumElements == #rows({which}_indices), their shapes "
            f"are: {_shape_str(values.shape)} and {_shape_str(indices.shape)}"
        )
    if shape.ndim != 1:
        raise _invalid(
            f"{which}_shape should be a vector, but got shape: {_shape_str(shape.shape)}"
        )
    if shape.shape[0] != indices.shape[1]:
        raise _invalid(
            f"Expected {which}_shape.NumElements == #cols({which}_indices), their shapes "
            f"are: {_shape_str(shape.shape)} and {_shape_str(indices.shape)}"
        )


def _invalid(message):
    return errors.InvalidArgumentError(None, None, message)


def _sequences(indices, values):
    """(index in the first R - 1 dimensions, sequence) for each run of equal such indices,
    in the order given: TF groups the SparseTensor as it comes, without reordering it."""
    groups = itertools.groupby(zip(indices, values), key=lambda entry: tuple(entry[0][:-1]))
    return [(group, [value for _, value in entries]) for group, entries in groups]


def _paired(hypotheses, truths):
    """(index, hypothesis, truth) as TF's kernel walks the two group lists side by side,
    taking the smaller index first and None for the side that lacks it."""
    h, t = 0, 0
    while h < len(hypotheses) and t < len(truths):
        (h_group, h_seq), (t_group, t_seq) = hypotheses[h], truths[t]
        if h_group == t_group:
            yield h_group, h_seq, t_seq
            h, t = h + 1, t + 1
        elif t_group > h_group:
            yield h_group, h_seq, None
            h += 1
        else:
            yield t_group, None, t_seq
            t += 1
    for h_group, h_seq in hypotheses[h:]:
        yield h_group, h_seq, None
    for t_group, t_seq in truths[t:]:
        yield t_group, None, t_seq


def levenshtein(source, target) -> int:
    """The fewest insertions, deletions and substitutions from ``source`` to ``target``."""
    previous = list(range(len(target) + 1))
    for i, s in enumerate(source, 1):
        current = [i]
        for j, t in enumerate(target, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (s != t)))
        previous = current
    return previous[-1]


def _distance(hypothesis, truth, normalize):
    if hypothesis is not None and truth is not None:
        distance = float(levenshtein(truth, hypothesis))
        return distance / len(truth) if normalize else distance
    if truth is None:  # only a hypothesis: every element is an insertion
        length = float(len(hypothesis))
        return np.inf if normalize and length else length
    return 1.0 if normalize else float(len(truth))


def _edit_distance_kernel(op, device):
    normalize = op._attrs["normalize"]

    def edit_distance(h_indices, h_values, h_shape, t_indices, t_values, t_shape):
        parts = [
            np.asarray(a) for a in (h_indices, h_values, h_shape, t_indices, t_values, t_shape)
        ]
        _check_sparse(*parts[:3], "hypothesis")
        _check_sparse(*parts[3:], "truth")
        h_shape, t_shape = parts[2], parts[5]
        if h_shape.shape[0] != t_shape.shape[0]:
            raise _invalid(
                "Expected truth and hypothesis to have matching ranks, but their shapes are: "
                f"{_shape_str(t_shape.shape)} and {_shape_str(h_shape.shape)}"
            )
        if t_shape.shape[0] < 2:
            raise _invalid(
                "Input SparseTensors must have rank at least 2, but truth_shape rank is: "
                f"{t_shape.shape[0]}"
            )
        out_shape = [int(max(h, t)) for h, t in zip(h_shape[:-1], t_shape[:-1])]
        hypotheses = _sequences(parts[0].tolist(), parts[1].tolist())
        truths = _sequences(parts[3].tolist(), parts[4].tolist())
        out = np.zeros(out_shape, np.float32)
        size = out.size
        for group, hypothesis, truth in _paired(hypotheses, truths):
            flat = sum(g * int(np.prod(out_shape[k + 1 :])) for k, g in enumerate(group))
            if not 0 <= flat < size:
                raise errors.InternalError(
                    None,
                    None,
                    f"Got an inner product {flat} which would require writing to outside of "
                    f"the buffer for the output tensor (max elements {size})",
                )
            out.flat[flat] = _distance(hypothesis, truth, normalize)
        return out

    return edit_distance


def _edit_distance_infer(op):
    # As TF's shape function: known only when both dense shapes are constants.
    h_shape, t_shape = constant_value(op.inputs[2]), constant_value(op.inputs[5])
    if h_shape is None or t_shape is None:
        return [(dtypes.float32, TensorShape(None))]
    h_shape, t_shape = np.reshape(h_shape, -1), np.reshape(t_shape, -1)
    if len(h_shape) != len(t_shape):
        raise ValueError(
            "Num elements of hypothesis_shape does not match truth_shape: "
            f"{len(h_shape)} vs. {len(t_shape)}"
        )
    if len(h_shape) < 2:
        raise ValueError(
            "Input Hypothesis SparseTensors must have rank at least 2, but hypothesis_shape "
            f"rank is: {len(h_shape)}"
        )
    return [
        (dtypes.float32, TensorShape([int(max(h, t)) for h, t in zip(h_shape[:-1], t_shape[:-1])]))
    ]


registry.register(
    "EditDistance",
    _edit_distance_infer,
    kernels={"CPU": _edit_distance_kernel},
    not_differentiable=True,
)


def _as_sparse(value, what):
    if isinstance(value, SparseTensorValue):
        return SparseTensor(*value)
    if not isinstance(value, SparseTensor):
        raise TypeError(f"{what} must be a SparseTensor.")
    return value


def edit_distance(hypothesis, truth, normalize=True, name="edit_distance"):
    """The Levenshtein distance of each hypothesis sequence from its truth sequence.

    ``hypothesis`` and ``truth`` are SparseTensors (or SparseTensorValues) of the same rank
    ``R >= 2`` and dtype; the result is float32 of rank ``R - 1``. ``normalize`` divides by
    the truth's length. Raises TypeError for an argument that is not sparse or for values
    of different dtypes, ValueError for known shapes of different ranks;
    InvalidArgumentError when the run finds the sparse parts inconsistent.

        >>> import teachflow as tf
        >>> h = tf.SparseTensor([[0, 0, 0], [1, 0, 0]], ["a", "b"], (2, 1, 1))
        >>> t = tf.SparseTensor([[0, 1, 0], [1, 0, 0], [1, 0, 1], [1, 1, 0]],
        ...                     ["a", "b", "c", "a"], (2, 2, 2))
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.edit_distance(h, t)))
        [[inf 1. ]
         [0.5 1. ]]
    """
    hypothesis = _as_sparse(hypothesis, "Hypothesis")
    truth = _as_sparse(truth, "Truth")
    h_dtype, t_dtype = hypothesis.dtype.base_dtype, truth.dtype.base_dtype
    if h_dtype != t_dtype:
        raise TypeError(
            f"Input 'truth_values' of 'EditDistance' Op has type {t_dtype.name} that does not "
            f"match type {h_dtype.name} of argument 'hypothesis_values'."
        )
    with name_scope(name, "EditDistance") as scope:
        inputs = [
            hypothesis.indices,
            hypothesis.values,
            hypothesis.dense_shape,
            truth.indices,
            truth.values,
            truth.dense_shape,
        ]
        attrs = {"normalize": bool(normalize), "T": h_dtype}
        return get_default_graph().create_op("EditDistance", inputs, attrs, name=scope).outputs[0]
