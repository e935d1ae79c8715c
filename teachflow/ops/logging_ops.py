"""Looking inside a running graph: ``tf.Print`` (TF1's debugging print, an identity that
writes values to stderr as it runs) and ``tf.check_numerics`` (an identity that fails on
NaN or Inf).

    >>> import teachflow as tf
    >>> x = tf.constant([1, 2, 3, 4, 5])
    >>> x = tf.Print(x, [x], "x is: ")   # prints "x is: [1 2 3...]" to stderr when run
    >>> x.op.type
    'Print'

The text is TensorFlow's: each data tensor in brackets, at most ``summarize`` (default 3)
entries, nested brackets per dimension, ``...`` where entries were left out.
"""

from __future__ import annotations

import sys

import numpy as np

from teachflow.framework import errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import colocate_with, control_dependencies, name_scope
from teachflow.ops.array_ops import apply_op, to_host
from teachflow.ops.elementwise import FLOATS, check_allowed

__all__ = ["Print", "add_check_numerics_ops", "check_numerics", "verify_tensor_all_finite"]


# -- TensorFlow's SummarizeValue ---------------------------------------------------------------
_C_ESCAPES = {ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t", ord('"'): '\\"'}
_C_ESCAPES.update({ord("'"): "\\'", ord("\\"): "\\\\"})


def _c_escape(data: bytes) -> str:
    """absl::Utf8SafeCEscape, as Tensor::SummarizeValue writes a string: quotes,
    backslashes and control characters escaped (others as octal); bytes of UTF-8 text kept."""
    escaped = "".join(
        _C_ESCAPES.get(b) or (chr(b) if b >= 0x20 and b != 0x7F else f"\\{b:03o}") for b in data
    )
    return escaped.encode("latin-1").decode("utf-8", "backslashreplace")


def _element_text(v) -> str:
    """One entry as TensorFlow's StrCat writes it: the shortest text that reads back."""
    if isinstance(v, (bytes, np.bytes_)):
        return _c_escape(bytes(v))
    if isinstance(v, (np.floating, float)):
        digits = (6, 9) if np.asarray(v).dtype.itemsize <= 4 else (15, 17)
        text = f"{v:.{digits[0]}g}"
        return text if type(v)(text) == v else f"{v:.{digits[1]}g}"
    if isinstance(v, (np.bool_, bool)):
        return "1" if v else "0"
    return str(v)


def _one_dim(dim, shape, limit, flat, index, out):
    """TensorFlow's PrintOneDim: the entries of dimension ``dim`` from ``index[0]`` on."""
    if index[0] >= limit:
        return
    if dim == len(shape) - 1:
        for i in range(shape[dim]):
            if index[0] >= limit:
                if dim != 0:
                    out.append("...")
                return
            if i > 0:
                out.append(" ")
            out.append(_element_text(flat[index[0]]))
            index[0] += 1
        return
    for _ in range(shape[dim]):
        opened = index[0] < limit
        if opened:
            out.append("[")
        _one_dim(dim + 1, shape, limit, flat, index, out)
        if index[0] < limit or opened:
            out.append("]")


def summarize_value(value, summarize=3) -> str:
    """``value`` as TensorFlow's ``Tensor::SummarizeValue(summarize)`` writes it."""
    a = np.asarray(value)
    flat = a.reshape(-1)
    limit = flat.size if summarize < 0 else min(summarize, flat.size)
    if a.ndim == 0:
        text = " ".join(_element_text(flat[i]) for i in range(limit))
    else:
        out = []
        _one_dim(0, a.shape, limit, flat, [0], out)
        text = "".join(out)
    return text + ("..." if flat.size > limit else "")


# -- Print -----------------------------------------------------------------------------------
def _infer_print(op):
    x = op.inputs[0]
    return [(x.dtype.base_dtype, x.shape)]


def _print_kernel(op, device):
    message = op._attrs["message"]
    first_n = op._attrs["first_n"]
    summarize = op._attrs["summarize"]
    printed = [0]

    def print_values(x, *data):
        if first_n < 0 or printed[0] < first_n:
            printed[0] += 1
            parts = [message] + [f"[{summarize_value(to_host(d), summarize)}]" for d in data]
            # TensorFlow writes with std::cerr: one line, unbuffered.
            print("".join(parts), file=sys.stderr, flush=True)
        return x

    return print_values


def _print_grad(op, grad):
    return [grad] + [None] * (len(op.inputs) - 1)


registry.register("Print", _infer_print, _print_kernel, grad=_print_grad, stateful=True)


def Print(input_, data, message=None, first_n=None, summarize=None, name=None):  # noqa: N802 - TF's name
    """``input_`` unchanged; running it writes ``message`` and the values of ``data`` to
    stderr (the first ``first_n`` times; at most ``summarize`` entries of each).

    Only what a fetch depends on runs: print the tensor you go on using, as TF1 code does
    (``x = tf.Print(x, [x])``).
    """
    with name_scope(name, "Print", [input_]) as scope:
        x = convert_to_tensor(input_, name="input")
        values = [convert_to_tensor(d) for d in data]
        attrs = {
            "T": x.dtype.base_dtype,
            "U": [v.dtype.base_dtype for v in values],
            "message": message or "",
            "first_n": -1 if first_n is None else int(first_n),
            "summarize": 3 if summarize is None else int(summarize),
        }
        return x.graph.create_op("Print", [x, *values], attrs, name=scope).outputs[0]


# -- CheckNumerics -----------------------------------------------------------------------------
def _check_numerics_kernel(op, device):
    xp = device.xp
    message = op._attrs["message"]

    def check(x):
        if not bool(xp.all(xp.isfinite(x))):
            kinds = []
            if bool(xp.any(xp.isinf(x))):
                kinds.append("Inf")
            if bool(xp.any(xp.isnan(x))):
                kinds.append("NaN")
            raise errors.InvalidArgumentError(
                None, None, f"{message} : Tensor had {' and '.join(kinds)} values"
            )
        return x

    return check


def _infer_check_numerics(op):
    dt = check_allowed(op.inputs[0], FLOATS, "tensor")
    return [(dt, op.inputs[0].shape)]


registry.register(
    "CheckNumerics",
    _infer_check_numerics,
    _check_numerics_kernel,
    grad=lambda op, grad: [
        check_numerics(
            grad,
            "Not a number (NaN) or infinity (Inf) values detected in gradient. "
            + op._attrs["message"],
        )
    ],
)


def check_numerics(tensor, message, name=None):
    """``tensor`` unchanged, or InvalidArgumentError "<message> : Tensor had NaN values"
    (or Inf) when it has any."""
    t = convert_to_tensor(tensor, name="tensor")
    attrs = {"T": t.dtype.base_dtype, "message": message}
    return apply_op("CheckNumerics", name, [(t, "tensor", None)], attrs).outputs[0]


def add_check_numerics_ops():
    """One op checking every float16/32/64 tensor of the default graph for NaN and Inf
    (a ``CheckNumerics`` each, message ``"<op name>:<output index>"``, chained one after
    another by control dependencies); ValueError when the graph has control flow."""
    from teachflow.framework import dtypes
    from teachflow.framework.graph import get_default_graph
    from teachflow.ops.control_flow_ops import group

    floats = (dtypes.float16, dtypes.float32, dtypes.float64)
    check_op = []
    # Ops come in the order they were added, so a producer's check precedes its consumer's.
    for op in get_default_graph().get_operations():
        for output in op.outputs:
            if output.dtype in floats:
                if op._control_flow_context is not None:
                    raise ValueError(
                        "`tf.add_check_numerics_ops() is not compatible with TensorFlow "
                        "control flow operations such as `tf.cond()` or `tf.while_loop()`."
                    )
                with control_dependencies(check_op):
                    message = f"{op.name}:{output.value_index}"
                    check_op = [check_numerics(output, message=message)]
    return group(*check_op)


def verify_tensor_all_finite(t=None, msg=None, name=None, x=None, message=None):
    """TF1's name for ``check_numerics`` under a ``VerifyFinite`` scope."""
    t = x if t is None else t
    msg = message if msg is None else msg
    from teachflow.ops.array_ops import identity

    with name_scope(name, "VerifyFinite", [t]):
        t = convert_to_tensor(t, name="t")
        with colocate_with(t):
            verify = check_numerics(t, message=msg)
            with control_dependencies([verify]):
                return identity(t)
