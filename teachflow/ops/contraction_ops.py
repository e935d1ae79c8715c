"""Contractions: ``tf.tensordot`` (built from transpose, reshape and ``MatMul``, as
TensorFlow builds it) and ``tf.einsum`` (one ``Einsum`` op).

    >>> import teachflow as tf
    >>> a, b = tf.ones([2, 3, 4]), tf.ones([4, 3, 5])
    >>> tf.tensordot(a, b, [[1, 2], [1, 0]]).shape, tf.einsum("bij,jk->bik", a, tf.ones([4, 6])).shape
    (TensorShape([Dimension(2), Dimension(5)]), TensorShape([Dimension(2), Dimension(3), Dimension(6)]))
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from teachflow.framework import registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.ops.array_ops import invalid
from teachflow.ops.elementwise import NUMERIC, check_allowed

__all__ = ["tensordot", "einsum"]


# -- tensordot ---------------------------------------------------------------------------------
def _tensordot_axes(axes, rank_a):
    """``(a_axes, b_axes)`` lists from tensordot's ``axes`` argument."""
    if isinstance(axes, (int, np.integer)):
        if axes < 0:
            raise ValueError(f"'axes' must be at least 0, got {axes}.")
        return list(range(rank_a - axes, rank_a)), list(range(axes))
    axes = [list(np.reshape(a, [-1])) if np.ndim(a) else [int(a)] for a in axes]
    if len(axes) != 2:
        raise ValueError(f"'axes' must be an integer or have length 2, got {axes}.")
    a_axes, b_axes = ([int(i) for i in a] for a in axes)
    if len(a_axes) != len(b_axes):
        raise ValueError(
            f"Different number of contraction axes 'a' and 'b', {len(a_axes)} != {len(b_axes)}."
        )
    return a_axes, b_axes


def _dims_of(t, positions, name):
    """The sizes of ``t``'s dimensions at ``positions``: Python ints when known statically,
    else a tensor gathered from ``tf.shape``."""
    from teachflow.ops import array_ops
    from teachflow.ops.gathering import gather

    dims = [t.shape.as_list()[p] for p in positions]
    if all(d is not None for d in dims):
        return dims
    return gather(array_ops.shape(t), positions, name=name)


def _product(dims):
    from teachflow.ops.reduction_ops import reduce_prod

    if isinstance(dims, list):
        return int(np.prod(dims, dtype=np.int64))
    return reduce_prod(dims)


def _reshape_for_matmul(t, contract, flipped, name):
    """``t`` transposed so the ``contract`` axes are last (first when ``flipped``) and
    flattened to a matrix; also the free dimensions, for the final reshape."""
    from teachflow.ops.joining import stack
    from teachflow.ops.reshaping import reshape, transpose

    rank = t.shape.ndims
    contract = [a % rank if rank else a for a in contract]
    free = [i for i in range(rank) if i not in contract]
    perm = contract + free if flipped else free + contract
    free_dims = _dims_of(t, free, "GatherV2")
    sizes = [_product(free_dims), _product(_dims_of(t, contract, "GatherV2_1"))]
    if flipped:
        sizes.reverse()
    if perm != list(range(rank)):
        t = transpose(t, perm)
    if all(isinstance(s, int) for s in sizes):
        if t.shape.as_list() == sizes:
            return t, free_dims  # already that matrix: TF adds no Reshape
        shape = sizes
    else:
        shape = stack([convert_to_tensor(s) for s in sizes])
    return reshape(t, shape, name=name), free_dims


def tensordot(a, b, axes, name=None):
    """Sum the products of ``a`` and ``b`` over the given axes.

    ``axes`` is an int ``N`` (the last N axes of ``a`` with the first N of ``b``) or a
    pair of lists of axes. The ranks of ``a`` and ``b`` must be known.

        >>> import teachflow as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.tensordot([[1.0, 2.0]], [[3.0], [4.0]], 1)).tolist())
        [[11.0]]
    """
    from teachflow.ops.joining import concat
    from teachflow.ops.matmul_ops import matmul
    from teachflow.ops.reshaping import reshape

    with name_scope(name, "Tensordot", [a, b, axes]) as scope:
        a = convert_to_tensor(a, name="a")
        b = convert_to_tensor(b, name="b")
        if a.shape.ndims is None or b.shape.ndims is None:
            raise ValueError("tensordot: the ranks of 'a' and 'b' must be known statically.")
        a_axes, b_axes = _tensordot_axes(axes, a.shape.ndims)
        a_matrix, a_free = _reshape_for_matmul(a, a_axes, False, "Reshape")
        b_matrix, b_free = _reshape_for_matmul(b, b_axes, True, "Reshape_1")
        product = matmul(a_matrix, b_matrix)
        if isinstance(a_free, list) and isinstance(b_free, list):
            if product.shape.as_list() == a_free + b_free:
                return product  # already the result's shape: TF adds no Reshape
            return reshape(product, a_free + b_free, name=scope)
        parts = [convert_to_tensor(f, dtype="int32") for f in (a_free, b_free)]
        return reshape(product, concat(parts, 0), name=scope)


# -- einsum ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class EinsumEquation:
    """A parsed equation: one subscript string per input, and the output's."""

    inputs: tuple[str, ...]
    output: str

    @property
    def text(self) -> str:
        return ",".join(self.inputs) + "->" + self.output


def parse_equation(equation: str, n_inputs: int) -> EinsumEquation:
    """Subscripts of ``"ij,jk->ik"``; an implicit output is the letters used once, sorted
    (numpy's and TensorFlow's rule)."""
    text = equation.replace(" ", "")
    if not re.fullmatch(r"[a-zA-Z.,]*(->[a-zA-Z.]*)?", text):
        raise ValueError(f"Invalid einsum equation: {equation!r}")
    lhs, arrow, rhs = text.partition("->")
    inputs = tuple(lhs.split(","))
    if len(inputs) != n_inputs:
        raise ValueError(
            f"Expected {len(inputs)} input tensors for equation {equation!r}, got {n_inputs}."
        )
    if not arrow:
        letters = "".join(inputs).replace(".", "")
        rhs = ("..." if "..." in lhs else "") + "".join(
            sorted(c for c in set(letters) if letters.count(c) == 1)
        )
    return EinsumEquation(inputs, rhs)


def _split_ellipsis(subs, dims):
    """``(letter -> dim pairs, ellipsis dims)`` of one input's static dimensions."""
    if "..." not in subs:
        return list(zip(subs, dims)), []
    before, after = subs.split("...")
    n_ell = len(dims) - len(before) - len(after)
    if n_ell < 0:
        raise ValueError(f"Expected input to have rank at least {len(before) + len(after)}")
    ell = dims[len(before) : len(before) + n_ell]
    rest = dims[: len(before)] + dims[len(before) + n_ell :]
    return list(zip(before + after, rest)), ell


def _infer_einsum(op):
    from teachflow.framework.shapes import broadcast_shapes

    dt = check_allowed(op.inputs[0], NUMERIC, "inputs")
    eq = parse_equation(op._attrs["equation"], len(op.inputs))
    sizes = {}
    ellipsis = TensorShape([])
    for t, subs in zip(op.inputs, eq.inputs):
        if t.shape.ndims is None:
            if "..." in subs:
                ellipsis = TensorShape(None)
            continue
        if "..." not in subs and t.shape.ndims != len(subs):
            raise ValueError(f"Expected input to have rank {len(subs)} but got: {t.shape.ndims}")
        pairs, ell = _split_ellipsis(subs, t.shape.as_list())
        ellipsis = broadcast_shapes(ellipsis, TensorShape(ell))
        for letter, d in pairs:
            known = sizes.get(letter)
            if d is not None and known is not None and known != d and 1 not in (d, known):
                raise ValueError(
                    f"Expected dimension {known} at axis {subs.index(letter)} of the input "
                    f"shaped {t.shape.as_list()} but got dimension {d}"
                )
            if d is not None and (known is None or known == 1):
                sizes[letter] = d
    before, _, after = eq.output.partition("...")
    if "..." in eq.output:
        if ellipsis.ndims is None:
            return [(dt, TensorShape(None))]
        dims = [sizes.get(c) for c in before] + ellipsis.as_list() + [sizes.get(c) for c in after]
        return [(dt, TensorShape(dims))]
    return [(dt, TensorShape([sizes.get(c) for c in eq.output]))]


def _einsum_kernel(op, device):
    xp = device.xp
    equation = parse_equation(op._attrs["equation"], len(op.inputs)).text

    def einsum_value(*operands):
        try:
            return xp.asarray(xp.einsum(equation, *operands))
        except ValueError as e:
            raise invalid(f"Einsum: {e}") from None

    return einsum_value


def _einsum_grad(op, grad):
    """The gradient of each input is an einsum of the output's gradient with the other
    inputs; letters that only this input had (summed away) come back by broadcasting.
    With ``...``: the broadcast dimensions are summed back to the input's shape, and an
    input without ``...`` sums over them."""
    from teachflow.ops import array_ops
    from teachflow.ops.elementwise import reduce_to_shape
    from teachflow.ops.filling import range as range_
    from teachflow.ops.reduction_ops import reduce_sum
    from teachflow.ops.reshaping import reshape
    from teachflow.ops.tiling import broadcast_to

    eq = parse_equation(op._attrs["equation"], len(op.inputs))
    letters_of = [s.replace("...", "") for s in eq.inputs]
    if any(len(set(s)) != len(s) for s in letters_of):
        raise LookupError(
            "teachflow's Einsum gradient needs an equation without repeated letters in one "
            f"input, got {op._attrs['equation']!r}"
        )
    ellipsis = "..." in eq.text
    grads = []
    for i, (x, subs) in enumerate(zip(op.inputs, eq.inputs)):
        others = [(t, s) for j, (t, s) in enumerate(zip(op.inputs, eq.inputs)) if j != i]
        seen = set(eq.output.replace("...", "")).union(
            *(set(s.replace("...", "")) for _, s in others)
        )
        letters = letters_of[i]
        kept_letters = "".join(c for c in letters if c in seen)
        if ellipsis and kept_letters != letters:
            raise LookupError(
                "teachflow's Einsum gradient with '...' needs every letter of an input in the "
                f"output or another input, got {op._attrs['equation']!r}"
            )
        # The target keeps this input's '...' where it stands; an input without one still
        # receives the ellipsis dimensions (numpy cannot drop them) and sums them next.
        if "..." in subs:
            target = subs
        else:
            target = ("..." if ellipsis else "") + kept_letters
        terms = ",".join([eq.output] + [s for _, s in others])
        partial = einsum(f"{terms}->{target}", grad, *[t for t, _ in others])
        if ellipsis and "..." not in subs:
            leading = array_ops.rank(partial) - len(kept_letters)
            partial = reduce_sum(partial, range_(leading))
        elif "..." in subs:
            partial = reduce_to_shape(partial, x)
        if not ellipsis and kept_letters != letters:
            dims = array_ops.shape(x)
            partial = broadcast_to(_expand_missing(partial, letters, seen, reshape, dims), dims)
        grads.append(partial)
    return grads


def _expand_missing(partial, subs, seen, reshape, dims):
    """``partial`` (letters of ``subs`` in ``seen``) with size-1 axes for the others."""
    from teachflow.ops.joining import stack

    one = convert_to_tensor(1)
    sizes = [dims[k] if c in seen else one for k, c in enumerate(subs)]
    return reshape(partial, stack(sizes))


registry.register("Einsum", _infer_einsum, _einsum_kernel, grad=_einsum_grad, cheap=False)


def einsum(equation, *inputs, **kwargs):
    """Einstein summation: ``einsum("ij,jk->ik", a, b)`` is ``matmul(a, b)``.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.einsum("i,i->", [1.0, 2.0], [3.0, 4.0])))
    11.0
    """
    name = kwargs.pop("name", None)
    if kwargs:
        raise TypeError(f"Invalid keyword arguments for this function: {', '.join(kwargs)}")
    with name_scope(name, "einsum", list(inputs)):
        tensors = [convert_to_tensor(t, name="inputs") for t in inputs]
        for t in tensors[1:]:
            if t.dtype.base_dtype is not tensors[0].dtype.base_dtype:
                raise TypeError(
                    f"Input 'inputs' of 'Einsum' Op has type {t.dtype.base_dtype.name} that "
                    f"does not match type {tensors[0].dtype.base_dtype.name} of argument "
                    "'inputs'."
                )
        parse_equation(equation, len(tensors))
        graph = tensors[0].graph
        attrs = {"equation": equation, "N": len(tensors), "T": tensors[0].dtype.base_dtype}
        return graph.create_op("Einsum", tensors, attrs, name="Einsum").outputs[0]
