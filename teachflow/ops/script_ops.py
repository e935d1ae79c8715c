"""``tf.py_func`` (and ``tf.numpy_function``, ``tf.py_function``): a Python function as an
op of the graph.

The function gets the inputs' values as numpy arrays (a scalar as a numpy scalar, a string
scalar as ``bytes``, as in TensorFlow) and returns arrays of the ``Tout`` dtypes. Like TensorFlow, the graph holds only a *token* (``pyfunc_0``...); the function
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

``tf.py_function`` (op ``EagerPyFunc``) hands the function eager-style values instead: each
has ``.numpy()``, ``.shape`` and ``.dtype`` and works with numpy and Python arithmetic, as
the EagerTensors TensorFlow passes (teachflow has no eager mode: TF ops cannot be called on
them, and the op has no gradient).

    >>> first_word = tf.py_function(lambda s: s.numpy().split()[0], [tf.constant(b"a b")],
    ...                             tf.string)
    >>> with tf.Session() as sess:
    ...     print(sess.run(first_word))
    b'a'
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

__all__ = ["py_func", "numpy_function", "py_function"]

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


class EagerValue:
    """What a ``tf.py_function`` receives for each input: a value with ``numpy()``,
    ``shape`` and ``dtype``, usable as a numpy array (``np.asarray(v)``, ``v * 2``)."""

    __slots__ = ("_array",)
    __array_priority__ = 100

    def __init__(self, array):
        self._array = array

    def numpy(self):
        return self._array[()] if self._array.ndim == 0 else self._array

    def __array__(self, dtype=None, copy=None):
        return self._array if dtype is None else self._array.astype(dtype)

    shape = property(lambda self: TensorShape(self._array.shape))
    ndim = property(lambda self: self._array.ndim)

    @property
    def dtype(self):
        kind = self._array.dtype.kind
        return dtypes.string if kind in "SUO" else dtypes.as_dtype(self._array.dtype)

    def __repr__(self):
        return f"<tf.Tensor: shape={self.shape}, dtype={self.dtype.name}, numpy={self.numpy()!r}>"

    def __len__(self):
        return len(self._array)

    def __iter__(self):
        return (EagerValue(np.asarray(v)) for v in self._array)

    def __getitem__(self, key):
        return EagerValue(np.asarray(self._array[key]))

    def __bool__(self):
        return bool(self._array)

    def __int__(self):
        return int(self._array)

    def __float__(self):
        return float(self._array)

    def __index__(self):
        return int(self._array)


def _numpy_operator(name):
    def operator(self, *args):
        return getattr(self._array, name)(*(np.asarray(a) for a in args))

    return operator


for _name in (
    "add radd sub rsub mul rmul truediv rtruediv floordiv rfloordiv mod rmod pow rpow "
    "matmul rmatmul and rand or ror xor rxor lt le gt ge eq ne neg pos abs invert"
).split():
    setattr(EagerValue, f"__{_name}__", _numpy_operator(f"__{_name}__"))
EagerValue.__hash__ = None


def _py_func_kernel(op, device):
    token = op._attrs["token"]
    tout = op._attrs["Tout"]
    eager = op.type == "EagerPyFunc"

    def call(*args):
        func = _FUNCTIONS.get(token)
        if func is None:
            raise errors.InvalidArgumentError(None, None, f"callback {token} is not found")
        try:
            values = [np.asarray(to_host(a)) for a in args]
            if eager:
                result = func(*(EagerValue(v) for v in values))
            else:  # as TF's: a scalar arrives as a numpy scalar (np.float32, bytes)
                result = func(*(v[()] if v.ndim == 0 else v for v in values))
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
            out.append(device.xp.asarray(value) if want is not dtypes.string else _bytes(value))
        return tuple(out) if len(out) != 1 else out[0]

    return call


def _bytes(value):
    """A string result as TF hands it back: bytes (a str is UTF-8 encoded), object arrays."""
    out = np.empty(value.shape, dtype=object)
    for i, x in np.ndenumerate(value):
        out[i] = x.encode() if isinstance(x, str) else bytes(x)
    return out[()] if out.ndim == 0 else out


def _tf_name(name: str) -> str:
    """TensorFlow's words for a dtype in this message (DataTypeString: float, double...)."""
    return {"float32": "float", "float64": "double", "float16": "half"}.get(name, name)


registry.register("PyFunc", _infer_py_func, _py_func_kernel, stateful=True, cheap=False)
registry.register("PyFuncStateless", _infer_py_func, _py_func_kernel, cheap=False)
registry.register("EagerPyFunc", _infer_py_func, _py_func_kernel, stateful=True, cheap=False)
registry.NotDifferentiable("EagerPyFunc")
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
    return _wrap(func, inp, Tout, "PyFunc" if stateful else "PyFuncStateless", name, {})


def py_function(func, inp, Tout, name=None):  # noqa: N803 - TF's argument name
    """`py_func` whose function gets eager-style values (`EagerValue`: ``.numpy()``...), as
    TF 1.13+'s ``tf.py_function`` (op ``EagerPyFunc``)."""
    return _wrap(func, inp, Tout, "EagerPyFunc", name, {"is_async": False})


def _wrap(func, inp, Tout, op_type, name, extra_attrs):  # noqa: N803
    single = not isinstance(Tout, (list, tuple))
    tout = [dtypes.as_dtype(t) for t in ([Tout] if single else Tout)]
    inputs = [convert_to_tensor(x) for x in inp]
    graph = get_default_graph()
    if inputs and getattr(graph, "outer", None) is None:
        # Outside a function, the inputs' graph; inside one (a dataset function), the
        # function's graph, which captures the outer inputs.
        graph = inputs[0].graph
    with _LOCK:
        token = f"pyfunc_{next(_TOKENS)}"
        _FUNCTIONS[token] = func
    _keep_alive(graph, func)
    with name_scope(name, op_type, inputs) as scope:
        attrs = {"token": token, "Tin": [t.dtype.base_dtype for t in inputs], "Tout": tout}
        attrs.update(extra_attrs)
        op = graph.create_op(op_type, inputs, attrs, name=scope)
    return op.outputs[0] if single else list(op.outputs)


def numpy_function(func, inp, Tout, stateful=True, name=None):  # noqa: N803
    """TensorFlow 2's name of `py_func` (the same op)."""
    return py_func(func, inp, Tout, stateful=stateful, name=name)
