"""``tf.py_func`` (and ``tf.numpy_function``): a Python function as an op of the graph.

The function gets the inputs' values as numpy arrays and returns arrays of the ``Tout``
dtypes. Like TensorFlow, the graph holds only a *token* (``pyfunc_0``...); the function
itself stays in this process, kept alive by the graph that uses it, so such a graph runs in
a local Session only (a remote worker fails with "callback ... is not found"). No gradient.

    >>> import numpy as np
    >>> import teachflow as tf
    >>> y = tf.py_func(lambda x: np.sort(x), [tf.constant([3.0, 1.0, 2.0])], tf.float32)
    >>> with tf.Session() as sess:
    ...     print(sess.run(y).tolist())
    [1.0, 2.0, 3.0]

An exception in the function fails the step: ValueError/TypeError as InvalidArgumentError,
StopIteration as OutOfRangeError, anything else as UnknownError (TensorFlow's mapping).
"""

from __future__ import annotations

import itertools
import threading
import traceback
import weakref

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import get_default_graph
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.ops.array_ops import to_host

__all__ = ["py_func", "numpy_function"]

# token -> function; the graph that uses a function keeps it alive (see _keep_alive).
_FUNCTIONS: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
_TOKENS = itertools.count()
_LOCK = threading.Lock()

# How a Python exception becomes a step's error (TensorFlow's py_func.cc).
_ERROR_OF = (
    ((ValueError, TypeError), errors.InvalidArgumentError),
    ((StopIteration,), errors.OutOfRangeError),
    ((MemoryError,), errors.ResourceExhaustedError),
    ((NotImplementedError,), errors.UnimplementedError),
)


def _infer_py_func(op):
    return [(dt, TensorShape(None)) for dt in op._attrs["Tout"]]


def _py_func_kernel(op, device):
    token = op._attrs["token"]
    tout = op._attrs["Tout"]

    def call(*args):
        func = _FUNCTIONS.get(token)
        if func is None:
            raise errors.InvalidArgumentError(None, None, f"callback {token} is not found")
        try:
            result = func(*[np.asarray(to_host(a)) for a in args])
        except Exception as e:  # noqa: BLE001 - every failure becomes the step's error
            cls = next((c for types, c in _ERROR_OF if isinstance(e, types)), errors.UnknownError)
            text = "".join(traceback.format_exception(type(e), e, e.__traceback__))
            raise cls(None, None, text.rstrip()) from None
        results = list(result) if isinstance(result, (list, tuple)) else [result]
        if len(results) != len(tout):
            raise errors.InvalidArgumentError(
                None, None, f"{token} returns {len(results)} values, but expects {len(tout)}"
            )
        out = []
        for i, (value, dt) in enumerate(zip(results, tout)):
            value = np.asarray(value)
            got = "string" if value.dtype.kind in "SUO" else dtypes.as_dtype(value.dtype).name
            want = dt.base_dtype
            if got != want.name:
                raise errors.InvalidArgumentError(
                    None,
                    None,
                    f"{i}-th value returned by {token} is {_tf_name(got)}, but expects "
                    f"{_tf_name(want.name)}",
                )
            out.append(device.xp.asarray(value) if want is not dtypes.string else value)
        return tuple(out) if len(out) != 1 else out[0]

    return call


def _tf_name(name: str) -> str:
    """TensorFlow's words for a dtype in this message (DataTypeString: float, double...)."""
    return {"float32": "float", "float64": "double", "float16": "half"}.get(name, name)


registry.register("PyFunc", _infer_py_func, _py_func_kernel, stateful=True, cheap=False)
registry.register("PyFuncStateless", _infer_py_func, _py_func_kernel, cheap=False)
registry.NotDifferentiable("PyFunc")
registry.NotDifferentiable("PyFuncStateless")


def _keep_alive(graph, func):
    # A function graph (a Dataset.map function) is dropped once traced: as TF does, the
    # outermost graph keeps the function alive, for as long as the pipeline can run.
    while getattr(graph, "outer", None) is not None:
        graph = graph.outer
    kept = graph.__dict__.setdefault("_py_funcs_used_in_graph", [])
    kept.append(func)


def py_func(func, inp, Tout, stateful=True, name=None):  # noqa: N803 - TF's argument name
    """Wrap ``func`` (numpy arrays in, numpy arrays out) as an op; returns one tensor when
    ``Tout`` is a single dtype, else a list (of unknown static shapes)."""
    single = not isinstance(Tout, (list, tuple))
    tout = [dtypes.as_dtype(t) for t in ([Tout] if single else Tout)]
    inputs = [convert_to_tensor(x) for x in inp]
    graph = inputs[0].graph if inputs else get_default_graph()
    with _LOCK:
        token = f"pyfunc_{next(_TOKENS)}"
        _FUNCTIONS[token] = func
    _keep_alive(graph, func)
    op_type = "PyFunc" if stateful else "PyFuncStateless"
    with name_scope(name, op_type, inputs) as scope:
        attrs = {"token": token, "Tin": [t.dtype.base_dtype for t in inputs], "Tout": tout}
        op = graph.create_op(op_type, inputs, attrs, name=scope)
    return op.outputs[0] if single else list(op.outputs)


def numpy_function(func, inp, Tout, stateful=True, name=None):  # noqa: N803
    """TensorFlow 2's name of `py_func` (the same op)."""
    return py_func(func, inp, Tout, stateful=stateful, name=name)
