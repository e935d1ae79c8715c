"""``tf.distributions.Distribution``: the interface every TF1 distribution shares.

A distribution keeps its parameters as tensors made under its own name scope (``Normal/loc``)
and re-enters that scope for every method, so ``d.sample()`` builds ``Normal/sample/...`` and
``d.log_prob(x)`` ``Normal/log_prob/...``, as in TensorFlow. A subclass writes the private
``_sample_n``, ``_log_prob``, ``_cdf``, ``_mean``... and the public methods handle names,
conversion and the fallbacks (``prob`` is ``exp(log_prob)`` when only ``_log_prob`` exists).

Sampling draws ``n = prod(sample_shape)`` samples of shape ``[n] + batch + event`` with TF's
random ops (so seeded samples match TF's bit for bit) and reshapes them.

    >>> import teachflow as tf
    >>> d = tf.distributions.Normal(loc=0.0, scale=1.0)
    >>> d.sample([2, 3], seed=1).shape, d.log_prob(0.0).op.name.split("/")[-2:]
    (TensorShape([Dimension(2), Dimension(3)]), ['log_prob', 'sub'])
"""

from __future__ import annotations

import contextlib
import enum

import numpy as np

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.ops.static_value import constant_value

__all__ = [
    "Distribution",
    "ReparameterizationType",
    "FULLY_REPARAMETERIZED",
    "NOT_REPARAMETERIZED",
]


class ReparameterizationType(enum.Enum):
    """Whether samples are a differentiable function of the parameters."""

    FULLY_REPARAMETERIZED = "FULLY_REPARAMETERIZED"
    NOT_REPARAMETERIZED = "NOT_REPARAMETERIZED"


FULLY_REPARAMETERIZED = ReparameterizationType.FULLY_REPARAMETERIZED
NOT_REPARAMETERIZED = ReparameterizationType.NOT_REPARAMETERIZED


class Distribution:
    """A batch of probability distributions (see the module docstring)."""

    def __init__(
        self,
        dtype,
        reparameterization_type,
        validate_args,
        allow_nan_stats,
        parameters=None,
        graph_parents=None,
        name=None,
    ):
        if not name or name[-1] != "/":  # a name, not yet a scope: make it unique
            with name_scope(name or type(self).__name__) as name:
                pass
        self._dtype = dtype
        self._reparameterization_type = reparameterization_type
        self._allow_nan_stats = allow_nan_stats
        self._validate_args = validate_args
        # A subclass passes dict(locals()): TF keeps the arguments, not self or __class__.
        self._parameters = {
            k: v for k, v in (parameters or {}).items() if k != "self" and not k.startswith("__")
        }
        self._graph_parents = list(graph_parents or [])
        self._name = name

    # -- what the distribution is ------------------------------------------------------------
    name = property(lambda self: self._name)
    dtype = property(lambda self: self._dtype)
    parameters = property(lambda self: dict(self._parameters))
    reparameterization_type = property(lambda self: self._reparameterization_type)
    allow_nan_stats = property(lambda self: self._allow_nan_stats)
    validate_args = property(lambda self: self._validate_args)

    @property
    def batch_shape(self) -> TensorShape:
        return TensorShape(self._batch_shape())

    @property
    def event_shape(self) -> TensorShape:
        return TensorShape(self._event_shape())

    def batch_shape_tensor(self, name="batch_shape_tensor"):
        with self._name_scope(name):
            if self.batch_shape.is_fully_defined():
                return convert_to_tensor(
                    self.batch_shape.as_list(), dtype=dtypes.int32, name="batch_shape"
                )
            return self._batch_shape_tensor()

    def event_shape_tensor(self, name="event_shape_tensor"):
        with self._name_scope(name):
            if self.event_shape.is_fully_defined():
                return convert_to_tensor(
                    self.event_shape.as_list(), dtype=dtypes.int32, name="event_shape"
                )
            return self._event_shape_tensor()

    def is_scalar_event(self, name="is_scalar_event"):
        with self._name_scope(name):
            return convert_to_tensor(self.event_shape.ndims == 0, name="is_scalar_event")

    def is_scalar_batch(self, name="is_scalar_batch"):
        with self._name_scope(name):
            return convert_to_tensor(self.batch_shape.ndims == 0, name="is_scalar_batch")

    @contextlib.contextmanager
    def _name_scope(self, name=None, values=None):
        """The distribution's own scope, then the method's (``Normal/sample/``)."""
        with name_scope(self.name):
            with name_scope(name, values=(list(values or []) + self._graph_parents)) as scope:
                yield scope

    # -- sampling ------------------------------------------------------------------------------
    def sample(self, sample_shape=(), seed=None, name="sample"):
        """Samples of shape ``sample_shape + batch_shape + event_shape``."""
        from teachflow.ops.joining import concat
        from teachflow.ops.reshaping import reshape
        from teachflow.ops.shape_ops import shape

        with self._name_scope(name, values=[sample_shape]):
            sample_shape = convert_to_tensor(sample_shape, dtype=dtypes.int32, name="sample_shape")
            sample_shape, n = self._expand_sample_shape_to_vector(sample_shape, "sample_shape")
            samples = self._sample_n(n, seed)
            batch_event_shape = shape(samples)[1:]
            final_shape = concat([sample_shape, batch_event_shape], 0)
            samples = reshape(samples, final_shape)
            return self._set_sample_static_shape(samples, sample_shape)

    def _expand_sample_shape_to_vector(self, x, name):
        from teachflow.ops.reduction_ops import reduce_prod
        from teachflow.ops.reshaping import reshape

        static = constant_value(x)
        if static is None:
            prod = reduce_prod(x)
        else:
            prod = np.prod(static, dtype=x.dtype.as_numpy_dtype)
        ndims = x.shape.ndims
        if ndims == 0:
            if static is not None:
                x = convert_to_tensor(np.array([static], dtype=x.dtype.as_numpy_dtype), name=name)
            else:
                x = reshape(x, [1])
        elif ndims is not None and ndims != 1:
            raise ValueError("Input is neither scalar nor vector.")
        return x, prod

    def _set_sample_static_shape(self, x, sample_shape):
        static = constant_value(sample_shape)
        sample = TensorShape(None if static is None else [int(d) for d in static])
        ndims, sample_ndims = x.shape.ndims, sample.ndims
        batch_ndims, event_ndims = self.batch_shape.ndims, self.event_shape.ndims
        if ndims is None and None not in (sample_ndims, batch_ndims, event_ndims):
            ndims = sample_ndims + batch_ndims + event_ndims
            x.set_shape([None] * ndims)
        if ndims is not None and sample_ndims is not None:
            x.set_shape(x.shape.merge_with(sample.concatenate([None] * (ndims - sample_ndims))))
        if ndims is not None and event_ndims is not None:
            tail = TensorShape([None] * (ndims - event_ndims)).concatenate(self.event_shape)
            x.set_shape(x.shape.merge_with(tail))
        if batch_ndims is not None and ndims is not None:
            if sample_ndims is None and event_ndims is not None:
                sample_ndims = ndims - batch_ndims - event_ndims
            elif event_ndims is None and sample_ndims is not None:
                event_ndims = ndims - batch_ndims - sample_ndims
            if sample_ndims is not None and event_ndims is not None:
                middle = (
                    TensorShape([None] * sample_ndims)
                    .concatenate(self.batch_shape)
                    .concatenate([None] * event_ndims)
                )
                x.set_shape(x.shape.merge_with(middle))
        return x

    # -- densities and their relatives ---------------------------------------------------------
    def _call(self, name, value, first, fallback, transform):
        """``first(value)``; where the subclass lacks it, ``transform(fallback(value))``."""
        with self._name_scope(name, values=[value]):
            value = _convert(value, self.dtype)
            try:
                return first(value)
            except NotImplementedError as original:
                try:
                    return transform(fallback(value))
                except NotImplementedError:
                    raise original from None

    def log_prob(self, value, name="log_prob"):
        from teachflow.ops.unary_ops import log

        return self._call(name, value, self._log_prob, self._prob, log)

    def prob(self, value, name="prob"):
        from teachflow.ops.unary_ops import exp

        return self._call(name, value, self._prob, self._log_prob, exp)

    def log_cdf(self, value, name="log_cdf"):
        from teachflow.ops.unary_ops import log

        return self._call(name, value, self._log_cdf, self._cdf, log)

    def cdf(self, value, name="cdf"):
        from teachflow.ops.unary_ops import exp

        return self._call(name, value, self._cdf, self._log_cdf, exp)

    def survival_function(self, value, name="survival_function"):
        # TF's fallback calls the public cdf: its ops sit under survival_function/cdf/.
        def one_minus(cdf):
            return 1.0 - cdf

        return self._call(name, value, self._survival_function, self.cdf, one_minus)

    def log_survival_function(self, value, name="log_survival_function"):
        from teachflow.ops.unary_ops import log1p

        def log_one_minus(cdf):
            return log1p(-cdf)

        return self._call(name, value, self._log_survival_function, self.cdf, log_one_minus)

    def quantile(self, value, name="quantile"):
        with self._name_scope(name, values=[value]):
            return self._quantile(_convert(value, self.dtype))

    # -- summaries -----------------------------------------------------------------------------
    def entropy(self, name="entropy"):
        with self._name_scope(name):
            return self._entropy()

    def mean(self, name="mean"):
        with self._name_scope(name):
            return self._mean()

    def mode(self, name="mode"):
        with self._name_scope(name):
            return self._mode()

    def variance(self, name="variance"):
        from teachflow.ops.unary_ops import square

        with self._name_scope(name):
            try:
                return self._variance()
            except NotImplementedError as original:
                try:
                    return square(self._stddev())
                except NotImplementedError:
                    raise original from None

    def stddev(self, name="stddev"):
        from teachflow.ops.unary_ops import sqrt

        with self._name_scope(name):
            try:
                return self._stddev()
            except NotImplementedError as original:
                try:
                    return sqrt(self._variance())
                except NotImplementedError:
                    raise original from None

    def covariance(self, name="covariance"):
        """The covariance matrix of a vector event (``batch + [k, k]``)."""
        with self._name_scope(name):
            return self._covariance()

    def kl_divergence(self, other, name="kl_divergence"):
        from teachflow.distributions.kullback_leibler import kl_divergence

        with self._name_scope(name):
            return kl_divergence(self, other)

    def cross_entropy(self, other, name="cross_entropy"):
        with self._name_scope(name):
            return self.entropy() + self.kl_divergence(other)

    # -- what a subclass may leave out -----------------------------------------------------------
    def _not_implemented(self, what):
        raise NotImplementedError(f"{what} is not implemented: {type(self).__name__}")

    def _log_prob(self, value):
        self._not_implemented("log_prob")

    def _prob(self, value):
        self._not_implemented("prob")

    def _log_cdf(self, value):
        self._not_implemented("log_cdf")

    def _cdf(self, value):
        self._not_implemented("cdf")

    def _survival_function(self, value):
        self._not_implemented("survival_function")

    def _log_survival_function(self, value):
        self._not_implemented("log_survival_function")

    def _quantile(self, value):
        self._not_implemented("quantile")

    def _entropy(self):
        self._not_implemented("entropy")

    def _mean(self):
        self._not_implemented("mean")

    def _mode(self):
        self._not_implemented("mode")

    def _variance(self):
        self._not_implemented("variance")

    def _stddev(self):
        self._not_implemented("stddev")

    def _covariance(self):
        self._not_implemented("covariance")

    def __repr__(self):
        return (
            f"<tf.distributions.{type(self).__name__} '{self.name}' "
            f"batch_shape={self.batch_shape} event_shape={self.event_shape} "
            f"dtype={self.dtype.name}>"
        )


def parameter(value, name):
    """``array_ops.identity(value, name=name)`` as TF builds it: a Python value becomes the
    constant ``name/input`` inside the Identity's own scope."""
    from teachflow.framework.operation import Tensor
    from teachflow.ops.identity_ops import identity

    if isinstance(value, Tensor):
        return identity(value, name=name)
    with name_scope(name) as scope:
        return identity(convert_to_tensor(value, name="input"), name=scope)


def gen_new_seed(seed, salt):
    """A second op seed from ``seed`` (TF's ``distribution_util.gen_new_seed``): the first 8 hex
    digits of ``md5(str(seed) + salt)``, so a distribution drawing twice (Beta's two gammas)
    gets two streams that TF would give it too."""
    import hashlib

    if seed is None:
        return None
    digest = hashlib.md5((str(seed) + salt).encode("utf-8")).hexdigest()
    return int(digest[:8], 16) & 0x7FFFFFFF


def _convert(value, dtype):
    """TF's ``_convert_to_tensor``: the distribution's dtype preferred, not imposed."""
    return convert_to_tensor(value, name="value", preferred_dtype=dtype)
