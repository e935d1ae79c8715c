"""tf.errors <-> gRPC status: the two use the same numbers, so the mapping is the identity.

A server turns a failed request into a gRPC status whose code is the `tf.errors` code and
whose details are the message; a client turns it back into the same `tf.errors` class.
"""

from __future__ import annotations

import grpc

from teachflow.framework import errors

_BY_CODE = {c.value[0]: c for c in grpc.StatusCode}


def abort_with(context, exc) -> None:
    """End an RPC with ``exc`` (an OpError, or a Python error meaning a bad request)."""
    if isinstance(exc, errors.OpError):
        code, message = exc.error_code, exc.message
    else:
        code, message = errors.INVALID_ARGUMENT, f"{type(exc).__name__}: {exc}"
    context.abort(_BY_CODE.get(code, grpc.StatusCode.UNKNOWN), message)


def to_op_error(rpc_error, doing: str = "") -> errors.OpError:
    """The `tf.errors` exception for a failed RPC; ``doing`` says what we were doing."""
    code = rpc_error.code() if hasattr(rpc_error, "code") else grpc.StatusCode.UNKNOWN
    details = rpc_error.details() if hasattr(rpc_error, "details") else str(rpc_error)
    number = code.value[0] if code is not None else errors.UNKNOWN
    if number == 0:
        number = errors.UNKNOWN
    cls = errors.exception_type_from_error_code(number)
    if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED) and doing:
        details = f"{details} (while {doing})"
    return cls(None, None, details or f"RPC failed while {doing}")
