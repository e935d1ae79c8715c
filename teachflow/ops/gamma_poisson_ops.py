"""Gamma and Poisson samples: rejection samplers with one Philox stream per output.

Unlike the fixed-size transforms of `random_ops`, these draw a varying number of uniforms
and normals per sample, so TensorFlow gives each output element its own stream, 256
blocks apart (`teachflow.ops.random_distributions.gamma` and ``poisson``): the numbers
do not depend on how the work is split, and they are TensorFlow's, bit for bit.

    >>> import teachflow as tf
    >>> x = tf.random_gamma([2], [0.5, 2.0])
    >>> x.shape, x.op.type
    (TensorShape([Dimension(2), Dimension(2)]), 'Maximum')
"""

from __future__ import annotations

import math

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.ops import random_distributions as distributions
from teachflow.ops.allocation import check_output
from teachflow.ops.array_ops import to_host
from teachflow.ops.random_ops import (
    _FLOATS,
    _INTS,
    _dims,
    _infer_from_shape_input,
    _seed_attrs,
    check_dtype,
    finish,
    make_generator,
    shape_tensor,
)

__all__ = ["random_gamma", "random_poisson"]


def _samples_of(op, dtype, params):
    """``shape + params.shape`` samples of ``dtype``: both samplers' output."""
    dims = _infer_from_shape_input(op)
    if dims.ndims is None or params.shape.ndims is None:
        return [(dtype, TensorShape(None))]
    return [(dtype, dims.concatenate(params.shape))]


def _sampler_kernel(dtype_attr, draw, check_params=None):
    """The kernel of a sampler drawing ``shape`` samples for each of its parameters (alpha,
    rate) with ``draw(gen, num_samples, params, np_dtype)``; ``check_params`` rejects
    parameters once there are samples to draw."""

    def kernel(op, device):
        guarded = make_generator(op)
        np_dtype = np.dtype(op._attrs[dtype_attr].as_numpy_dtype)

        def sample(shape, params):
            dims = _dims(shape)
            check_output(device, dims + tuple(np.shape(params)), np_dtype)
            params = np.asarray(to_host(params))
            num_samples = math.prod(dims)
            if num_samples == 0:
                return finish(np.zeros(dims + params.shape, dtype=np_dtype), device)
            if check_params is not None:
                check_params(params)
            # 256 blocks per output: room for the rejection loop (random_op.cc's RandomGammaOp).
            gen = guarded.reserve_random_outputs(num_samples * params.size)
            values = draw(gen, num_samples, params, np_dtype)
            return finish(values.reshape(dims + params.shape), device)

        return sample

    return kernel


def _infer_gamma(op):
    shape, alpha = op.inputs
    check_dtype(op._attrs["T"], _FLOATS, "T")
    return _samples_of(op, alpha.dtype.base_dtype, alpha)


def _check_alpha(alpha):
    if alpha.size == 0:
        raise errors.InvalidArgumentError(
            None, None, "Input alpha should have non-zero element count, got: 0"
        )


registry.register(
    "RandomGamma",
    _infer_gamma,
    _sampler_kernel("T", distributions.gamma, _check_alpha),
    stateful=True,
    not_differentiable=True,
)


def _infer_poisson(op):
    shape, rate = op.inputs
    check_dtype(op._attrs["dtype"], _FLOATS + _INTS, "dtype")
    check_dtype(rate.dtype, _FLOATS + _INTS, "rate")
    return _samples_of(op, op._attrs["dtype"], rate)


registry.register(
    "RandomPoissonV2",
    _infer_poisson,
    _sampler_kernel("dtype", distributions.poisson),
    stateful=True,
    not_differentiable=True,
)


# -- the public functions ---------------------------------------------------------------------


def random_gamma(shape, alpha, beta=None, dtype=dtypes.float32, seed=None, name=None):
    """Samples from Gamma(alpha, beta) distributions (shape ``alpha``, rate ``beta``).

    The result has shape ``shape + broadcast(alpha, beta).shape``: ``shape`` samples for
    each distribution. Built as TF builds it: ``RandomGamma(shape, alpha broadcast)``
    divided by ``beta`` and raised to float's smallest normal number, so no sample is 0.

        >>> import teachflow as tf
        >>> tf.random_gamma([10], [0.5, 1.5]).shape
        TensorShape([Dimension(10), Dimension(2)])
    """
    from teachflow.ops import math_ops, tiling
    from teachflow.ops.broadcast_ops import broadcast_dynamic_shape
    from teachflow.ops.shape_ops import shape as shape_of

    dtype = dtypes.as_dtype(dtype).base_dtype
    with name_scope(name, "random_gamma", [shape, alpha, beta]):
        shape = shape_tensor(shape)
        alpha = convert_to_tensor(alpha, name="alpha", dtype=dtype)
        beta = convert_to_tensor(beta if beta is not None else 1, name="beta", dtype=dtype)
        # TF's shape() names its constant "Shape", which "shape" above has taken (names are
        # unique regardless of case): these are Shape_1 and Shape_2.
        broadcast_shape = broadcast_dynamic_shape(shape_of(alpha), shape_of(beta))
        alpha_broadcast = tiling.broadcast_to(alpha, broadcast_shape)
        attrs = _seed_attrs(seed)
        attrs.update(S=shape.dtype.base_dtype, T=dtype)
        # Read before the op is built, as in TF: an integer dtype fails here (ValueError).
        tiny = np.finfo(dtype.as_numpy_dtype).tiny
        sample = shape.graph.create_op(
            "RandomGamma", [shape, alpha_broadcast], attrs, name="RandomGamma"
        ).outputs[0]
        return math_ops.maximum(tiny, sample / beta)


def random_poisson(lam, shape, dtype=dtypes.float32, seed=None, name=None):
    """Samples from Poisson(lam) distributions (TF1's argument order: ``lam`` first).

    The result has shape ``shape + lam.shape`` and type ``dtype`` (float or integer).

        >>> import teachflow as tf
        >>> tf.random_poisson([1.0, 20.0], [5], dtype=tf.int64).shape
        TensorShape([Dimension(5), Dimension(2)])
    """
    dtype = dtypes.as_dtype(dtype).base_dtype
    with name_scope(name, "random_poisson", [lam, shape]):
        shape = shape_tensor(shape)
        lam = convert_to_tensor(lam, name="rate")
        attrs = _seed_attrs(seed)
        attrs.update(S=shape.dtype.base_dtype, R=lam.dtype.base_dtype, dtype=dtype)
        return shape.graph.create_op(
            "RandomPoissonV2", [shape, lam], attrs, name="RandomPoissonV2"
        ).outputs[0]
