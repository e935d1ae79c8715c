"""``tf.debugging``: the assertions and numeric checks under their TF 1.x
``tf.debugging.*`` names (re-exports of ``tf.assert_*``, ``tf.check_numerics``, ...).

>>> import teachflow as tf
>>> tf.debugging.assert_equal is tf.assert_equal, tf.debugging.is_nan is tf.is_nan
(True, True)
"""

from teachflow.ops.check_ops import (  # noqa: F401
    Assert,
    assert_equal,
    assert_greater,
    assert_greater_equal,
    assert_integer,
    assert_less,
    assert_less_equal,
    assert_negative,
    assert_non_negative,
    assert_non_positive,
    assert_none_equal,
    assert_positive,
    assert_rank,
    assert_scalar,
    assert_type,
)
from teachflow.ops.logging_ops import check_numerics  # noqa: F401
from teachflow.ops.logging_ops import (  # noqa: F401
    verify_tensor_all_finite as assert_all_finite,
)
from teachflow.ops.numeric_checks import (  # noqa: F401
    assert_near,
    assert_proper_iterable,
    assert_same_float_dtype,
    is_non_decreasing,
    is_numeric_tensor,
    is_strictly_increasing,
)
from teachflow.ops.shape_checks import (  # noqa: F401
    assert_rank_at_least,
    assert_rank_in,
    assert_shapes,
)
from teachflow.ops.unary_ops import is_finite, is_inf, is_nan  # noqa: F401

# The eager context's switch in TensorFlow: graph Sessions log placement only when their
# ConfigProto says log_device_placement=True, so the switch is recorded and reported.
_log_device_placement = False


def set_log_device_placement(enabled):
    """Record whether device placement should be logged; a TF1 ``Session`` logs it when
    its ``ConfigProto(log_device_placement=True)`` asks, as in TensorFlow."""
    global _log_device_placement
    _log_device_placement = enabled


def get_log_device_placement():
    """What `set_log_device_placement` last set (False at first).

    >>> import teachflow as tf
    >>> tf.debugging.set_log_device_placement(True)
    >>> tf.debugging.get_log_device_placement()
    True
    >>> tf.debugging.set_log_device_placement(False)
    """
    return _log_device_placement


__all__ = sorted(name for name in dir() if not name.startswith("_"))
