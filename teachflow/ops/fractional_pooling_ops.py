"""Fractional pooling (Graham, 2014): ``FractionalMaxPool`` and ``FractionalAvgPool`` with
their gradients; ``tf.nn.fractional_max_pool`` and ``tf.nn.fractional_avg_pool``.

A pool that shrinks an image by a ratio such as 1.44 instead of 2: the output has
``floor(size / ratio)`` rows, and the row boundaries — a *pooling sequence* such as
``[0, 2, 3, 5, 6]`` — mix steps of ``k`` and ``k + 1`` pixels. The steps are random: with
``pseudo_random`` the boundaries are ``ceil(alpha * (i + u))`` for one random ``u``,
otherwise ``k``s and ``k + 1``s in a random order (a Fisher-Yates shuffle). Each run draws
them afresh from TensorFlow's Philox stream (`teachflow.ops.philox`), seeded by ``seed``
and ``seed2``; ``deterministic`` keeps one seed for the kernel's lifetime, so every run
pools the same regions — TensorFlow's exact draws. ``overlapping`` lets a window share its
last row (column) with the next.

TensorFlow has these kernels on CPU only (so has teachflow). The op also returns both
sequences, which its gradient reuses: the max pool's gradient
goes to the first largest pixel of each region, the average's is shared evenly.

    >>> import teachflow as tf
    >>> y, rows, cols = tf.nn.fractional_max_pool(tf.ones([1, 10, 10, 1]), [1.0, 1.44, 1.73, 1.0],
    ...                                           deterministic=True, seed=1, seed2=2)
    >>> y.shape, rows.shape
    (TensorShape([Dimension(1), Dimension(6), Dimension(5), Dimension(1)]), TensorShape([Dimension(7)]))
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.ops.elementwise import check_allowed
from teachflow.ops.op_results import result
from teachflow.ops.philox import GuardedPhilox, SingleSample, seed_pair

__all__ = ["fractional_max_pool", "fractional_avg_pool"]

POOL_DTYPES = (dtypes.float32, dtypes.float64, dtypes.int32, dtypes.int64)


# -- the pooling sequences -------------------------------------------------------------------
def _uint64_to_double(x0: int, x1: int) -> float:
    """TF's ``Uint64ToDouble``: 52 random mantissa bits, a double in [0, 1)."""
    bits = (1023 << 52) | ((x0 & 0xFFFFF) << 32) | x1
    return float(np.array([bits], np.uint64).view(np.float64)[0]) - 1.0


def _pseudo_random_steps(n_in: int, n_out: int, generator: GuardedPhilox) -> list:
    alpha = n_in / n_out
    k = n_in // n_out
    # u's bound keeps every step k or k + 1 at both ends (the kernel's comment explains).
    max_u = min((k + 2) / alpha - 1, (n_in + 1 - k) / alpha - (n_out - 1))
    draw = SingleSample(generator.reserve_samples32(2))
    x0, x1 = draw(), draw()
    u = _uint64_to_double(x0, x1) * max_u
    cum = [1] + [int(np.ceil(alpha * (i + u))) for i in range(1, n_out)] + [n_in + 1]
    return [cum[i + 1] - cum[i] for i in range(n_out)]


def _random_steps(n_in: int, n_out: int, generator: GuardedPhilox) -> list:
    k, extra = divmod(n_in, n_out)
    steps = [k + 1] * extra + [k] * (n_out - extra)
    draw = SingleSample(generator.reserve_samples32(len(steps)))
    for i in range(len(steps) - 1):  # TF's RandomShuffle: swap i with i + uniform(n - i)
        j = i + draw() % (len(steps) - i)
        steps[i], steps[j] = steps[j], steps[i]
    return steps


def pooling_sequence(n_in: int, n_out: int, generator: GuardedPhilox, pseudo_random: bool):
    """TF's ``GeneratePoolingSequence``: the ``n_out + 1`` region boundaries over
    ``n_in`` pixels (int64), drawn even when ``n_out`` divides ``n_in``, as TF draws."""
    draw = _pseudo_random_steps if pseudo_random else _random_steps
    return np.concatenate([[0], np.cumsum(draw(n_in, n_out, generator))]).astype(np.int64)


def _output_size(size, ratio):
    # The kernel divides an int by a float attribute: float32 arithmetic.
    return int(np.floor(np.float32(size) / np.float32(ratio)))


# -- regions as taps ----------------------------------------------------------------------------
def _regions(cum, length, overlapping):
    """Each region's first and last pixel along one axis (the last clipped to the image)."""
    cum = np.asarray(cum, np.int64)
    ends = np.minimum(cum[1:] - (0 if overlapping else 1), length - 1)
    return cum[:-1], ends


def _taps(x_shape, rows, cols, overlapping):
    """Per tap ``(i, j)`` of the largest region, in the kernel's row-major order: the pixel
    each region reads there and whether the region has that tap ``[oh, ow]``."""
    hs, he = _regions(rows, x_shape[1], overlapping)
    ws, we = _regions(cols, x_shape[2], overlapping)
    for i in range(int((he - hs).max(initial=0)) + 1):
        r = np.minimum(hs + i, x_shape[1] - 1)
        for j in range(int((we - ws).max(initial=0)) + 1):
            c = np.minimum(ws + j, x_shape[2] - 1)
            yield r, c, (i <= he - hs)[:, None] & (j <= we - ws)[None, :]


def _region_max(x, rows, cols, overlapping, with_index=False):
    """The first largest value of each region (and its flat index in ``x``)."""
    n, h, w, c = x.shape
    low = np.finfo(x.dtype).min if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    out = np.full((n, len(rows) - 1, len(cols) - 1, c), low, x.dtype)
    where = np.full(out.shape, -1, np.int64)
    flat = np.arange(x.size, dtype=np.int64).reshape(x.shape)
    for r, col, valid in _taps(x.shape, rows, cols, overlapping):
        value = x[:, r][:, :, col]
        take = valid[None, :, :, None] & ((where < 0) | (out < value))
        out = np.where(take, value, out)
        if with_index:
            where = np.where(take, flat[:, r][:, :, col], where)
        else:
            where = np.where(take, 0, where)
    return out, where


def _check_sequences(rows, cols, out_shape):
    for name, seq, size in (("row", rows, out_shape[1]), ("col", cols, out_shape[2])):
        if len(seq) != size + 1:
            raise errors.InvalidArgumentError(
                None, None, f"{name}_pooling_sequence must have {size + 1} elements, got {len(seq)}"
            )


# -- kernels ------------------------------------------------------------------------------------
class _Draws:
    """The kernel's seeds: with ``deterministic`` fixed when the kernel is built (fresh
    entropy when both are 0), otherwise 0 and 0 — fresh sequences every run."""

    def __init__(self, op):
        a = op._attrs
        self.pseudo_random = bool(a["pseudo_random"])
        seed, seed2 = int(a["seed"]), int(a["seed2"])
        if a["deterministic"]:
            seed, seed2 = seed_pair(seed, seed2)
        elif seed or seed2:
            raise errors.InvalidArgumentError(
                op.node_def, op, "Both seed and seed2 should be 0 if deterministic is false."
            )
        self.seeds = (seed, seed2)
        self.ratio = [float(r) for r in a["pooling_ratio"]]
        if len(self.ratio) != 4:
            raise errors.InvalidArgumentError(
                op.node_def, op, "pooling_ratio field must specify 4 dimensions"
            )

    def sequences(self, shape):
        if len(shape) != 4:
            raise errors.InvalidArgumentError(None, None, "tensor_in must be 4-dimensional")
        for i, (size, ratio) in enumerate(zip(shape, self.ratio)):
            if size < ratio:
                raise errors.InvalidArgumentError(
                    None,
                    None,
                    f"Pooling ratio is higher than input dimension size for dimension {i}. "
                    f"Input dim size: {size} pooling ratio: {ratio:g}",
                )
        out = [_output_size(s, r) for s, r in zip(shape, self.ratio)]
        generator = GuardedPhilox(*self.seeds)  # a fresh generator per run, as TF's kernel
        rows = pooling_sequence(shape[1], out[1], generator, self.pseudo_random)
        cols = pooling_sequence(shape[2], out[2], generator, self.pseudo_random)
        return out, rows, cols


def _fractional_max_pool_kernel(op, device):
    draws = _Draws(op)
    overlapping = bool(op._attrs["overlapping"])

    def fractional_max_pool(x):
        _, rows, cols = draws.sequences(x.shape)
        return _region_max(x, rows, cols, overlapping)[0], rows, cols

    return fractional_max_pool


def _region_mean(x, rows, cols, overlapping):
    n, _, _, c = x.shape
    total = np.zeros((n, len(rows) - 1, len(cols) - 1, c), x.dtype)
    count = np.zeros(total.shape[1:3], np.int64)
    for r, col, valid in _taps(x.shape, rows, cols, overlapping):
        total += np.where(valid[None, :, :, None], x[:, r][:, :, col], 0).astype(x.dtype)
        count += valid
    count = count[None, :, :, None].astype(x.dtype)
    return total // count if x.dtype.kind in "iu" else total / count


def _fractional_avg_pool_kernel(op, device):
    draws = _Draws(op)
    overlapping = bool(op._attrs["overlapping"])

    def fractional_avg_pool(x):
        _, rows, cols = draws.sequences(x.shape)
        return _region_mean(x, rows, cols, overlapping), rows, cols

    return fractional_avg_pool


def _fractional_max_pool_grad_kernel(op, device):
    overlapping = bool(op._attrs["overlapping"])

    def fractional_max_pool_grad(x, y, dy, rows, cols):
        _check_sequences(rows, cols, y.shape)
        best, where = _region_max(x, rows, cols, overlapping, with_index=True)
        if not np.array_equal(best, y):
            raise errors.InvalidArgumentError(
                None, None, "tensor_out_dup is not the same as tensor_out"
            )
        dx = np.zeros(x.size, dy.dtype)
        np.add.at(dx, where.ravel(), dy.ravel())  # in the kernel's order
        return dx.reshape(x.shape)

    return fractional_max_pool_grad


def _fractional_avg_pool_grad_kernel(op, device):
    overlapping = bool(op._attrs["overlapping"])

    def fractional_avg_pool_grad(shape, dy, rows, cols):
        shape = tuple(int(s) for s in shape)
        _check_sequences(rows, cols, dy.shape)
        n, h, w, c = shape
        # TF shares each gradient in double precision, then casts.
        dx = np.zeros(shape, np.float64)
        count = np.zeros(dy.shape[1:3], np.int64)
        taps = list(_taps(shape, rows, cols, overlapping))
        for _, _, valid in taps:
            count += valid
        share = dy.astype(np.float64) / count[None, :, :, None]
        batch = np.arange(n)[:, None, None]
        for r, col, valid in taps:
            part = np.where(valid[None, :, :, None], share, 0.0)
            np.add.at(dx, (batch, r[None, :, None], col[None, None, :]), part)
        return dx.astype(dy.dtype)

    return fractional_avg_pool_grad


# -- shapes and gradients -------------------------------------------------------------------------
def _infer_pool(op):
    x = op.inputs[0]
    dt = check_allowed(x, POOL_DTYPES, "value")
    ratio = op._attrs["pooling_ratio"]
    if x.shape.ndims is not None and x.shape.ndims != 4:
        raise ValueError(
            f"Shape must be rank 4 but is rank {x.shape.ndims} for '{op.name}' (op: "
            f"'{op.type}') with input shapes: {x.shape}."
        )
    dims = x.shape.as_list() if x.shape.ndims == 4 else [None] * 4
    out = [None if d is None else _output_size(d, r) for d, r in zip(dims, ratio)]
    seq = [None if d is None else d + 1 for d in out[1:3]]
    return [
        (dt, TensorShape(out)),
        (dtypes.int64, TensorShape([seq[0]])),
        (dtypes.int64, TensorShape([seq[1]])),
    ]


def _infer_max_grad(op):
    x = op.inputs[0]
    return [(x.dtype.base_dtype, x.shape)]


def _infer_avg_grad(op):
    from teachflow.ops.static_value import constant_value_as_shape

    shape = constant_value_as_shape(op.inputs[0])
    return [(op.inputs[1].dtype.base_dtype, shape if shape.ndims else TensorShape([None] * 4))]


def _fractional_max_pool_grad(op, grad, unused_rows_grad, unused_cols_grad):
    inputs = [op.inputs[0], op.outputs[0], grad, op.outputs[1], op.outputs[2]]
    attrs = {"overlapping": op._attrs["overlapping"], "T": op._attrs["T"]}
    return [grad.graph.create_op("FractionalMaxPoolGrad", inputs, attrs,
                                 name="FractionalMaxPoolGrad").outputs[0]]  # fmt: skip


def _fractional_avg_pool_grad(op, grad, unused_rows_grad, unused_cols_grad):
    with name_scope(None, "FractionalAvgPoolGrad") as scope:
        # TF passes the input's static shape: it must be known.
        shape = convert_to_tensor(
            op.inputs[0].shape.as_list(), dtypes.int64, name="orig_input_tensor_shape"
        )
        inputs = [shape, grad, op.outputs[1], op.outputs[2]]
        attrs = {"overlapping": op._attrs["overlapping"], "T": op._attrs["T"]}
        return [grad.graph.create_op("FractionalAvgPoolGrad", inputs, attrs,
                                     name=scope).outputs[0]]  # fmt: skip


registry.register(
    "FractionalMaxPool", _infer_pool, kernels={"CPU": _fractional_max_pool_kernel},
    grad=_fractional_max_pool_grad, stateful=True, cheap=False,
)  # fmt: skip
registry.register(
    "FractionalAvgPool", _infer_pool, kernels={"CPU": _fractional_avg_pool_kernel},
    grad=_fractional_avg_pool_grad, stateful=True, cheap=False,
)  # fmt: skip
registry.register(
    "FractionalMaxPoolGrad",
    _infer_max_grad,
    kernels={"CPU": _fractional_max_pool_grad_kernel},
    cheap=False,
)
registry.register(
    "FractionalAvgPoolGrad",
    _infer_avg_grad,
    kernels={"CPU": _fractional_avg_pool_grad_kernel},
    cheap=False,
)


# -- the Python API -------------------------------------------------------------------------------
def _fractional_pool(op_type, value, pooling_ratio, pseudo_random, overlapping, deterministic,
                     seed, seed2, name):  # fmt: skip
    if not isinstance(pooling_ratio, (list, tuple)):
        raise TypeError(
            f"Expected list for 'pooling_ratio' argument to '{_snake(op_type)}' Op, not "
            f"{pooling_ratio!r}."
        )
    with name_scope(name, op_type, [value]) as scope:
        x = convert_to_tensor(value, name="value")
        attrs = {
            "pooling_ratio": [float(np.float32(r)) for r in pooling_ratio],  # a float attr
            "pseudo_random": bool(pseudo_random),
            "overlapping": bool(overlapping),
            "deterministic": bool(deterministic),
            "seed": int(seed),
            "seed2": int(seed2),
            "T": x.dtype.base_dtype,
        }
        return result(x.graph.create_op(op_type, [x], attrs, name=scope))


def _snake(op_type):
    return {"FractionalMaxPool": "fractional_max_pool"}.get(op_type, "fractional_avg_pool")


def fractional_max_pool(
    value,
    pooling_ratio,
    pseudo_random=False,
    overlapping=False,
    deterministic=False,
    seed=0,
    seed2=0,
    name=None,
):
    """Max pooling over random regions that shrink ``value [n, h, w, c]`` by
    ``pooling_ratio`` (4 floats, the first and last 1.0): ``(output, row_pooling_sequence,
    col_pooling_sequence)``. Non-zero seeds need ``deterministic=True``
    (InvalidArgumentError when the op runs otherwise).

        >>> import teachflow as tf
        >>> x = tf.reshape(tf.range(16.0), [1, 4, 4, 1])
        >>> y, rows, cols = tf.nn.fractional_max_pool(x, [1.0, 2.0, 2.0, 1.0])
        >>> with tf.Session() as sess:
        ...     print(sess.run(y)[0, :, :, 0])
        [[ 5.  7.]
         [13. 15.]]
    """
    return _fractional_pool("FractionalMaxPool", value, pooling_ratio, pseudo_random,
                            overlapping, deterministic, seed, seed2, name)  # fmt: skip


def fractional_avg_pool(
    value,
    pooling_ratio,
    pseudo_random=False,
    overlapping=False,
    deterministic=False,
    seed=0,
    seed2=0,
    name=None,
):
    """Average pooling over random regions (see `fractional_max_pool`).

    >>> import teachflow as tf
    >>> y, _, _ = tf.nn.fractional_avg_pool(tf.ones([2, 9, 9, 3]), [1.0, 1.5, 1.5, 1.0])
    >>> y.op.type, y.shape
    ('FractionalAvgPool', TensorShape([Dimension(2), Dimension(6), Dimension(6), Dimension(3)]))
    """
    return _fractional_pool("FractionalAvgPool", value, pooling_ratio, pseudo_random,
                            overlapping, deterministic, seed, seed2, name)  # fmt: skip
