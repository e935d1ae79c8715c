"""Whatever a kernel raises becomes a `tf.errors.OpError` that names the node and device."""

from __future__ import annotations

from teachflow.framework import errors


def annotate_error(exc: BaseException, op, device=None) -> errors.OpError:
    """Turn whatever a kernel raised into a `tf.errors.OpError` that names the node."""
    if isinstance(exc, errors.OpError):
        if exc.op is not None:
            return exc
        cls, message = type(exc), exc.message
    elif isinstance(exc, ValueError) and "broadcast" in str(exc):
        cls, message = errors.InvalidArgumentError, _incompatible_shapes(str(exc))
    elif isinstance(exc, (ValueError, TypeError, IndexError, ZeroDivisionError, OverflowError)):
        # OverflowError: a value past what its dtype holds (numpy's int32 conversions) is
        # the caller's argument, not an internal fault.
        cls, message = errors.InvalidArgumentError, str(exc)
    elif isinstance(exc, MemoryError):
        cls, message = errors.ResourceExhaustedError, f"OOM when allocating tensor: {exc}"
    else:
        cls, message = errors.InternalError, f"{type(exc).__name__}: {exc}"
    where = f" on {device}" if device else ""
    message = f"{message}\n\t [[{{{{node {op.name}}}}}{where}]]"
    node_def = op.node_def if hasattr(op, "node_def") else None
    return cls(node_def, op if hasattr(op, "node_def") else None, message)


def _incompatible_shapes(numpy_message: str) -> str:
    shapes = [s for s in numpy_message.split("shapes")[-1].split() if s.startswith("(")]
    if len(shapes) >= 2:
        pretty = [s.strip("(),") for s in shapes[:2]]
        return f"Incompatible shapes: [{pretty[0]}] vs. [{pretty[1]}]"
    return f"Incompatible shapes: {numpy_message}"
