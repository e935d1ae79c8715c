"""`Session`: run fetches of a graph, feeding values, inside one process.

Each distinct (fetches, feeds) signature is planned once: pruned to the ops the fetches
need, ordered, kernels constructed. Later runs with the same signature reuse the plan.

    >>> import teachflow as tf
    >>> a = tf.constant(1.0); b = tf.placeholder(tf.float32); c = a + b
    >>> with tf.Session() as sess:
    ...     print(sess.run(c, feed_dict={b: 2.0}))
    3.0

Raises `tf.errors.InvalidArgumentError` when a placeholder the fetches need is not fed,
`tf.errors.FailedPreconditionError` when an uninitialized variable is read, and
TypeError / ValueError for fetches or feeds that cannot be interpreted.
"""

from __future__ import annotations

import threading

import numpy as np

from teachflow.framework import dtypes, errors
from teachflow.framework.graph import default_session, get_default_graph
from teachflow.framework.operation import Tensor
from teachflow.runtime.config import ConfigProto
from teachflow.runtime.devices import local_cpu
from teachflow.runtime.executor import SequentialExecutor
from teachflow.runtime.fetches import FetchHandler, fetch_key
from teachflow.runtime.plan import build_plan
from teachflow.runtime.resources import VariableState


class BaseSession:
    def __init__(self, target="", graph=None, config=None):
        if graph is None:
            graph = get_default_graph()
        if config is not None and not isinstance(config, ConfigProto):
            raise TypeError(f"config must be a tf.ConfigProto, but got {type(config)}")
        if target:
            raise errors.NotFoundError(
                None,
                None,
                f"No session factory registered for the given session options: "
                f"{{target: {target!r}}}",
            )
        self._graph = graph
        self._target = target
        self._config = config or ConfigProto()
        self._closed = False
        self._device = local_cpu()
        self._kernels = {}
        self._kernel_lock = threading.Lock()
        self._cache = {}
        self._executor = SequentialExecutor()
        self._default_session_cm = None

    # -- properties ------------------------------------------------------------------------
    graph = property(lambda self: self._graph)
    sess_str = property(lambda self: self._target)

    @property
    def graph_def(self):
        return [op.node_def for op in self._graph.get_operations()]

    # -- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        self._closed = True
        self._cache.clear()
        self._kernels.clear()

    def as_default(self):
        return default_session(self)

    def __enter__(self):
        self._graph_cm = self._graph.as_default()
        self._graph_cm.__enter__()
        self._default_session_cm = self.as_default()
        self._default_session_cm.__enter__()
        return self

    def __exit__(self, exc_type, exc, tb):
        self._default_session_cm.__exit__(exc_type, exc, tb)
        self._graph_cm.__exit__(exc_type, exc, tb)
        self.close()

    def __del__(self):
        try:
            self._closed = True
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass

    # -- running ---------------------------------------------------------------------------
    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """Compute ``fetches`` (any nesting of tensors/ops/names), feeding ``feed_dict``."""
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        if self._graph.version == 0:
            raise RuntimeError(
                "The Session graph is empty. Add operations to the graph before calling run()."
            )
        feed_keys = tuple(feed_dict) if feed_dict else ()
        key = (fetch_key(fetches), feed_keys)
        entry = self._cache.get(key)
        if entry is None:
            entry = self._cache[key] = self._prepare(fetches, feed_keys)
        handler, feed_tensors, plan = entry
        feed_values = (
            [_feed_value(t, feed_dict[k]) for t, k in zip(feed_tensors, feed_keys)]
            if feed_keys
            else ()
        )
        values = self._executor.run(plan, feed_values)
        return handler.build_results([_fetch_value(v) for v in values])

    def _prepare(self, fetches, feed_keys):
        handler = FetchHandler(self._graph, fetches)
        feed_tensors = [self._feed_tensor(k) for k in feed_keys]
        plan = build_plan(handler.tensors, handler.targets, feed_tensors, self._kernel_for)
        return handler, feed_tensors, plan

    def _feed_tensor(self, key):
        if isinstance(key, Tensor) or isinstance(key, str) or hasattr(key, "_as_graph_element"):
            try:
                t = self._graph.as_graph_element(key, allow_tensor=True, allow_operation=False)
            except (KeyError, ValueError, TypeError) as e:
                msg = e.args[0] if e.args else e
                raise TypeError(f"Cannot interpret feed_dict key as Tensor: {msg}") from None
            return t
        raise TypeError(
            f"Cannot interpret feed_dict key as Tensor: Can not convert a "
            f"{type(key).__name__} into a Tensor."
        )

    def _kernel_for(self, op):
        kernel = self._kernels.get(op)
        if kernel is None:
            make = op._op_def.kernels.get(self._device.device_type)
            if make is None:
                raise errors.InvalidArgumentError(
                    op.node_def,
                    op,
                    f"No OpKernel was registered to support Op '{op.type}' used by node "
                    f"{op.name} on device {self._device.device_type}.",
                )
            kernel = self._kernels[op] = make(op, self._device)
        return kernel

    def make_callable(self, fetches, feed_list=None):
        """A function that runs ``fetches`` feeding its positional args to ``feed_list``."""
        feed_list = list(feed_list or [])

        def call(*args):
            if len(args) != len(feed_list):
                raise ValueError(f"Expected {len(feed_list)} feed values, got {len(args)}.")
            return self.run(fetches, dict(zip(feed_list, args)))

        return call


class Session(BaseSession):
    """A TensorFlow 1.x session; ``target`` '' runs in this process."""


class InteractiveSession(BaseSession):
    """A session that makes itself the default on creation (for shells and notebooks)."""

    def __init__(self, target="", graph=None, config=None):
        super().__init__(target, graph, config)
        self._default_cm = self.as_default()
        self._default_cm.__enter__()
        self._graph_default_cm = self._graph.as_default()
        self._graph_default_cm.__enter__()

    def close(self) -> None:
        if not self._closed:
            try:
                self._graph_default_cm.__exit__(None, None, None)
                self._default_cm.__exit__(None, None, None)
            except ValueError:
                pass  # closed from another thread than the one that opened it
        super().close()


_SCALAR_TYPES = (np.generic, bytes)


def _fetch_value(v):
    t = type(v)
    if t is np.ndarray:
        if v.ndim == 0:
            return v[()]
        return v if v.flags.writeable else v.copy()
    if t is VariableState:
        return _fetch_value(v.read().copy())
    if isinstance(v, _SCALAR_TYPES):
        return v
    get = getattr(v, "get", None)  # a device (cupy) array
    if get is not None and hasattr(v, "__cuda_array_interface__"):
        return _fetch_value(get())
    return v


def _feed_value(tensor, value):
    if isinstance(value, Tensor):
        raise TypeError(
            "The value of a feed cannot be a tf.Tensor object. Acceptable feed values include "
            "Python scalars, strings, lists, numpy ndarrays, or TensorHandles. For reference, "
            f"the tensor object was {value} which was passed to the feed with key {tensor}."
        )
    dtype = tensor.dtype.base_dtype
    if dtype is dtypes.string:
        arr = _as_bytes_array(value)
    else:
        np_dtype = dtype.as_numpy_dtype
        if isinstance(value, int) and not isinstance(value, bool):
            info = np.iinfo(np_dtype) if dtype.is_integer else None
            if info is not None and not info.min <= value <= info.max:
                raise TypeError(
                    f"Type of feed value {value} with type {type(value)} is not compatible "
                    f"with Tensor type {dtype}. Try explicitly setting the type of the feed "
                    "tensor to a larger type (e.g. int64)."
                )
        try:
            arr = np.array(value, dtype=np_dtype)
        except (TypeError, ValueError) as e:
            raise ValueError(
                f"Cannot feed value {value!r} to Tensor {tensor.name!r} of dtype {dtype.name}: {e}"
            ) from None
    if not tensor.shape.is_compatible_with(arr.shape):
        raise ValueError(
            f"Cannot feed value of shape {arr.shape!r} for Tensor {tensor.name!r}, which has "
            f"shape '{tensor.shape}'"
        )
    return arr[()] if arr.ndim == 0 and dtype is not dtypes.string else arr


def _as_bytes_array(value):
    arr = np.array(value, dtype=object)
    flat = arr.reshape(-1)
    for i, x in enumerate(flat):
        if isinstance(x, str):
            flat[i] = x.encode()
        elif not isinstance(x, bytes):
            raise TypeError(f"Cannot feed {x!r} of type {type(x)} to a string tensor.")
    return arr
