"""Execution modes: teachflow is TF 1.x graph mode, always.

TF2-era notebooks start with ``tf.compat.v1.disable_v2_behavior()`` or
``disable_eager_execution()`` to get TF1's graphs and sessions; here that is the only mode, so
those calls succeed and change nothing, and ``executing_eagerly()`` is always False. The
``enable_*`` calls that ask for TensorFlow 2's behaviour (eager execution, resource variables,
functional control flow, elementwise ``==`` on tensors, int dimensions) raise
NotImplementedError saying what teachflow runs instead.

    >>> import teachflow as tf
    >>> tf.disable_v2_behavior()
    >>> tf.executing_eagerly()
    False
"""

__all__ = [
    "disable_eager_execution",
    "disable_v2_behavior",
    "disable_resource_variables",
    "disable_control_flow_v2",
    "control_flow_v2_enabled",
    "executing_eagerly",
    "executing_eagerly_outside_functions",
    "resource_variables_enabled",
    "disable_tensor_equality",
    "disable_v2_tensorshape",
    "enable_eager_execution",
    "enable_v2_behavior",
    "enable_control_flow_v2",
    "enable_resource_variables",
    "enable_tensor_equality",
    "enable_v2_tensorshape",
]

_ONLY = "teachflow runs TensorFlow 1.x graph mode only (tf.compat.v1 with v2 behaviour disabled)"


def disable_v2_behavior():
    """Switch to TF 1.x behaviour: graphs, sessions, ref variables — already the case."""


def disable_eager_execution():
    """Build graphs instead of running ops at once — already the case."""


def disable_resource_variables():
    """Use TF 1.x (ref) variables — the only kind teachflow has."""


def disable_control_flow_v2():
    """Build tf.cond / tf.while_loop from Switch, Merge, Enter, Exit... (TF1's control
    flow) — the only kind teachflow builds."""


def control_flow_v2_enabled() -> bool:
    """False: conds and loops are TF1's Switch/Merge graphs, not functional If/While ops."""
    return False


def executing_eagerly() -> bool:
    """False: ops build a graph that a `tf.Session` runs."""
    return False


def executing_eagerly_outside_functions() -> bool:
    """False: outside any function, ops still build a graph."""
    return False


def resource_variables_enabled() -> bool:
    """False: ``tf.Variable`` and ``tf.get_variable`` make TF1 reference variables
    (``VariableV2``)."""
    return False


def disable_tensor_equality():
    """``==`` on tensors compares the objects and tensors are hashable (TF1's rule) —
    already the case."""


def disable_v2_tensorshape():
    """``TensorShape`` dimensions are `Dimension` objects (TF1's rule) — already the case."""


def _unsupported(what: str, instead: str):
    raise NotImplementedError(f"{what} is not supported: {_ONLY}; {instead}.")


def enable_eager_execution(config=None, device_policy=None, execution_mode=None):
    """Raises NotImplementedError: teachflow builds graphs that a `tf.Session` runs."""
    _unsupported("Eager execution", "build a graph and run it with tf.Session")


def enable_v2_behavior():
    """Raises NotImplementedError: teachflow has TF 1.x behaviour only."""
    _unsupported("TensorFlow 2 behaviour", "call tf.disable_v2_behavior() (a no-op) or nothing")


def enable_control_flow_v2():
    """Raises NotImplementedError: tf.cond and tf.while_loop build Switch/Merge graphs."""
    _unsupported(
        "Control flow v2 (functional If/While ops)",
        "tf.cond and tf.while_loop build TF1's Switch/Merge/Enter/Exit graphs",
    )


def enable_resource_variables():
    """Raises NotImplementedError: variables are TF1 reference variables."""
    _unsupported("Resource variables", "variables are TF1 reference variables (VariableV2)")


def enable_tensor_equality():
    """Raises NotImplementedError: ``==`` on tensors compares the objects, as in TF1."""
    _unsupported("Elementwise == on tensors", "use tf.equal(x, y); == compares the tensor objects")


def enable_v2_tensorshape():
    """Raises NotImplementedError: shape dimensions are `Dimension` objects, as in TF1."""
    _unsupported(
        "TensorShape v2 (int dimensions)",
        "dimensions are Dimension objects; tf.dimension_value(d) gives the int",
    )
