"""`Session`: run fetches of a graph, feeding values, inside one process.

A session owns its devices (from its ``ConfigProto``), a placer, an executor and the
variables' storage. Each distinct (fetches, feeds) signature is planned once: pruned to
the ops the fetches need, placed, ordered, kernels constructed; later runs reuse the plan.

    >>> import teachflow as tf
    >>> a = tf.constant(1.0); b = tf.placeholder(tf.float32); c = a + b
    >>> with tf.Session() as sess:
    ...     print(sess.run(c, feed_dict={b: 2.0}))
    3.0

Raises `tf.errors.InvalidArgumentError` when a placeholder the fetches need is not fed or no
device can run a node, `tf.errors.FailedPreconditionError` when an uninitialized variable is
read, `tf.errors.ResourceExhaustedError` past a device's memory, `tf.errors.DeadlineExceededError`
past ``operation_timeout_in_ms``, `tf.errors.CancelledError` in a run still waiting (on a
queue) when another thread closes the session, and TypeError / ValueError for fetches or
feeds that cannot be interpreted.
"""

from __future__ import annotations

import itertools
import threading
import time
import weakref

from teachflow.framework import errors
from teachflow.framework.graph import default_session, get_default_graph
from teachflow.framework.operation import Tensor
from teachflow.ops import kernel_context
from teachflow.runtime import context, virtual_time_hook
from teachflow.runtime.cancellation import CancellationManager
from teachflow.runtime.config import ConfigProto, RunOptions
from teachflow.runtime.devices import make_local_devices
from teachflow.runtime.executor import Executor, StepContext
from teachflow.runtime.feeds import expand_sparse_feeds, feed_value, fetch_value
from teachflow.runtime.fetches import FetchHandler, fetch_key
from teachflow.runtime.kernel_lookup import kernel_constructor
from teachflow.runtime.partition import partition_graphs
from teachflow.runtime.placer import Placer
from teachflow.runtime.resources import ResourceManager
from teachflow.runtime.step_stats import build_step_stats
from teachflow.trace import events

_LOCAL_TASK = "/job:localhost/replica:0/task:0"
_step_ids = itertools.count(1)

# Session targets other than '' are served by factories registered here, as in TF
# (teachflow.distributed registers "grpc://"). A factory returns a remote engine with
# ``run(fetch_tensors, target_ops, feed_pairs, options) -> (values, response)``,
# ``list_devices()``, ``close()``, and a module-level ``reset(target, containers)``.
SESSION_FACTORIES = {}


# The session whose run() was called last in this process, for notebook tools
# (``%teachflow placement``). A weak reference: a tool must not keep a session alive.
_last_run = [None]


def last_session():
    """The session that ran last in this process, or None (none ran, or it is gone)."""
    ref = _last_run[0]
    return ref() if ref is not None else None


def register_session_factory(prefix, factory, reset=None):
    SESSION_FACTORIES[prefix] = (factory, reset)


def _factory_for(target):
    for prefix, entry in SESSION_FACTORIES.items():
        if target.startswith(prefix):
            return entry
    raise errors.NotFoundError(
        None,
        None,
        f"No session factory registered for the given session options: {{target: {target!r}}}",
    )


class BaseSession:
    def __init__(self, target="", graph=None, config=None):
        if graph is None:
            graph = get_default_graph()
        if config is not None and not isinstance(config, ConfigProto):
            raise TypeError(f"config must be a tf.ConfigProto, but got {type(config)}")
        self._graph = graph
        self._target = target
        self._config = config or context.default_config()  # tf.config's settings
        self._closed = False
        self._cache = {}
        self._lock = threading.Lock()
        self._remote = None
        self._weakref = weakref.ref(self)
        # A traced run's step stats in virtual time (teachflow.sim), if asked for.
        self._virtual_time = virtual_time_hook.requested(self._config)
        if target:
            factory, _ = _factory_for(target)
            self._remote = factory(target, graph, self._config)
            self._device_descriptions = None  # device -> physical description, when needed
            return
        self._resources = ResourceManager()
        self._devices = make_local_devices(self._config, _LOCAL_TASK, self._resources)
        self._device_by_name = {d.name: d for d in self._devices}
        self._placer = Placer(
            self._devices,
            _LOCAL_TASK,
            allow_soft_placement=self._config.allow_soft_placement,
            log=print if self._config.log_device_placement else None,
        )
        self._kernels = {}
        self._executor = Executor(self._config.inter_op_parallelism_threads)
        # Closing the session cancels its waiting ops (queue dequeues with no deadline).
        self._cancellation = CancellationManager()
        _apply_intra_op_threads(self._config.intra_op_parallelism_threads)
        if self._config.log_device_placement:
            _print_device_mapping(self._devices)

    # -- properties ------------------------------------------------------------------------
    graph = property(lambda self: self._graph)

    @property
    def sess_str(self) -> bytes:
        """The target, as TF's bytes (``b''`` for an in-process session)."""
        return self._target.encode() if isinstance(self._target, str) else self._target

    @property
    def graph_def(self):
        """The session's graph as TensorFlow's ``GraphDef`` message (``print(sess.graph_def)``
        shows its protobuf text), with ``_output_shapes`` when the config's
        ``graph_options.infer_shapes`` is set, as TF's."""
        infer = bool(getattr(self._config.graph_options, "infer_shapes", False))
        return self._graph.as_graph_def(add_shapes=infer)

    def list_devices(self):
        """The devices this session can place ops on (name, type, memory limit, ...)."""
        if self._remote is not None:
            return self._remote.list_devices()
        return [d.attributes() for d in self._devices]

    @staticmethod
    def reset(target, containers=None, config=None):
        """Clear the resource containers (variables...) on every task behind ``target``."""
        _, reset = _factory_for(target)
        reset(target, containers, config)

    @property
    def devices(self):
        """This session's own devices (a local session; a remote one asks list_devices())."""
        self._local_only("devices")
        return list(self._devices)

    def placement_records(self):
        """Every placement decision so far: node, op type, requested, device, reason.

        In a remote session these are the master's decisions for the nodes its steps ran,
        with the _Send/_Recv nodes it added between tasks, as it reported them."""
        if self._remote is not None:
            return self._remote.placement_records()
        return self._placer.records_list()

    def _local_only(self, what):
        if self._remote is not None:
            raise TypeError(
                f"Session.{what} describes a local session. In a cluster the master places "
                "the nodes: use ConfigProto(log_device_placement=True), or RunMetadata "
                "(step stats, partition graphs) and list_devices()."
            )

    # -- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._cache.clear()
        if self._remote is not None:
            self._remote.close()
            return
        self._kernels.clear()
        self._cancellation.cancel()
        self._executor.close()

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
            self.close()
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
        _last_run[0] = self._weakref
        if feed_dict:
            feed_dict = expand_sparse_feeds(feed_dict)
        feed_keys = tuple(feed_dict) if feed_dict else ()
        key = (fetch_key(fetches), feed_keys)
        entry = self._cache.get(key)
        if entry is None or entry[3] != self._graph.version:
            entry = self._cache[key] = self._prepare(fetches, feed_keys)
        handler, feed_tensors, plan, _ = entry
        feed_values = (
            [feed_value(t, feed_dict[k]) for t, k in zip(feed_tensors, feed_keys)]
            if feed_keys
            else ()
        )
        traced = options is not None and options.trace_level > RunOptions.NO_TRACE
        if self._remote is not None:
            return self._run_remote(handler, feed_tensors, feed_values, options, run_metadata)
        timeout = (options.timeout_in_ms if options is not None else 0) or (
            self._config.operation_timeout_in_ms
        )
        publish = events.bus.publish if events.bus.active else None
        ctx = StepContext(
            next(_step_ids),
            timeout,
            record=traced,
            publish=publish,
            report_allocations=bool(options and options.report_tensor_allocations_upon_oom),
        )
        if plan.has_blocking:
            values = self._run_cancellable(plan, feed_values, ctx)
        else:  # nothing in the step can wait: nothing to cancel
            values = self._executor.run(plan, feed_values, ctx)
        if run_metadata is not None:
            self._fill_run_metadata(run_metadata, plan, ctx, traced, options, feed_values)
        return handler.build_results([fetch_value(v) for v in values])

    def _run_cancellable(self, plan, feed_values, ctx):
        """The step with a cancellation manager of its own: a Ctrl-C that ends this call
        cancels the step's blocked ops too, so a dequeue left behind cannot take the next
        element (TF cancels the step of an abandoned call the same way)."""
        step_cancellation = self._cancellation.child()
        token = kernel_context.cancellation.set(step_cancellation)
        try:
            return self._executor.run(plan, feed_values, ctx)
        except BaseException as e:
            if not isinstance(e, Exception):  # KeyboardInterrupt, SystemExit
                step_cancellation.cancel()
            raise
        finally:
            kernel_context.cancellation.reset(token)
            step_cancellation.detach()

    def _run_remote(self, handler, feed_tensors, feed_values, options, run_metadata):
        traced = options is not None and options.trace_level > RunOptions.NO_TRACE
        want_graphs = options is not None and options.output_partition_graphs
        virtual = traced and self._virtual_time and run_metadata is not None
        if virtual and not want_graphs:
            # Virtual time replays the workers' partitions: ask for them, keep them to us.
            options = RunOptions(
                trace_level=options.trace_level,
                timeout_in_ms=options.timeout_in_ms,
                output_partition_graphs=True,
                report_tensor_allocations_upon_oom=options.report_tensor_allocations_upon_oom,
            )
        values, res = self._remote.run(
            handler.tensors, handler.targets, list(zip(feed_tensors, feed_values)), options
        )
        for line in res.placement_log:
            print(line)
        if run_metadata is not None:
            if traced:
                events_ = res.events
                # What teachflow.sim replays in virtual time (sim.virtual_cluster).
                step = {
                    "partition_graphs": res.partition_graphs,
                    "events": events_,
                    "feeds": {
                        t.name: (getattr(v, "shape", ()), t.dtype.base_dtype)
                        for t, v in zip(feed_tensors, feed_values)
                    },
                    "fetches": tuple(t.name for t in handler.tensors),
                    "devices": self._remote_descriptions() if res.partition_graphs else {},
                    "inter_op_threads": self._config.inter_op_parallelism_threads,
                }
                if getattr(res, "step_stats", None) is not None:
                    # A TensorFlow server traced the step itself (distributed.tf_wire).
                    run_metadata.step_stats = res.step_stats
                elif virtual:
                    run_metadata._set_lazy_step_stats(
                        lambda: virtual_time_hook.virtual_step_stats(step)
                    )
                else:
                    run_metadata._set_lazy_step_stats(lambda: build_step_stats(events_, [], 0))
                run_metadata._traced_step = step
            if want_graphs:
                run_metadata.partition_graphs = res.partition_graphs
        return handler.build_results([fetch_value(v) for v in values])

    def _remote_descriptions(self):
        """Device -> physical description (it names each GPU's card), asked once."""
        if self._device_descriptions is None:
            try:
                devices = self._remote.list_devices()
            except errors.OpError:
                return {}  # the model then gives GPUs the default card; ask again next time
            self._device_descriptions = {d.name: d.physical_device_desc for d in devices}
        return self._device_descriptions

    def _fill_run_metadata(self, run_metadata, plan, ctx, traced, options, feed_values=()):
        if traced:
            # What teachflow.sim replays in virtual time: the plan, the step's events, the
            # fed values' shapes and the inter-op threads (see sim.virtual_time.TracedStep).
            step = (
                plan,
                ctx.events,
                tuple([getattr(v, "shape", ()) for v in feed_values]) if feed_values else (),
                self._config.inter_op_parallelism_threads,
            )
            if self._virtual_time:
                run_metadata._set_lazy_step_stats(
                    lambda: virtual_time_hook.virtual_step_stats(step)
                )
            else:
                offset = time.time_ns() - time.perf_counter_ns()
                # Built when first read: a traced run only records times and keeps references.
                run_metadata._set_lazy_step_stats(
                    lambda: build_step_stats(ctx.events(), plan.devices, offset)
                )
            run_metadata._traced_step = step
        if options is not None and options.output_partition_graphs:
            run_metadata.partition_graphs = partition_graphs(plan)

    def _prepare(self, fetches, feed_keys):
        with self._lock:
            version = self._graph.version
            handler = FetchHandler(self._graph, fetches)
            feed_tensors = [self._feed_tensor(k) for k in feed_keys]
            if self._remote is not None:
                return handler, feed_tensors, None, version
            self._placer.place_new_ops(self._graph)
            plan = _build(handler, feed_tensors, self)
            return handler, feed_tensors, plan, version

    def _feed_tensor(self, key):
        if isinstance(key, (Tensor, str)) or hasattr(key, "_as_graph_element"):
            try:
                t = self._graph.as_graph_element(key, allow_tensor=True, allow_operation=False)
            except (KeyError, ValueError, TypeError) as e:
                msg = e.args[0] if e.args else e
                raise TypeError(f"Cannot interpret feed_dict key as Tensor: {msg}") from None
            if not self._graph.is_feedable(t):
                raise ValueError(f"Tensor {t.name} may not be fed.")
            return t
        raise TypeError(
            f"Cannot interpret feed_dict key as Tensor: Can not convert a "
            f"{type(key).__name__} into a Tensor."
        )

    def _device_for(self, op):
        return self._device_by_name[self._placer.placement[op]]

    def _kernel_for(self, op, device):
        kernel = self._kernels.get(op)
        if kernel is None:
            kernel = self._kernels[op] = kernel_constructor(op, device)(op, device)
        return kernel

    def make_callable(self, fetches, feed_list=None):
        """A function that runs ``fetches`` feeding its positional args to ``feed_list``."""
        feed_list = list(feed_list or [])

        def call(*args):
            if len(args) != len(feed_list):
                raise ValueError(f"Expected {len(feed_list)} feed values, got {len(args)}.")
            return self.run(fetches, dict(zip(feed_list, args)))

        return call


def _build(handler, feed_tensors, session):
    from teachflow.runtime.plan import build_plan

    return build_plan(
        handler.tensors,
        handler.targets,
        feed_tensors,
        session._kernel_for,
        session._device_for,
        session._devices[0],
    )


def _apply_intra_op_threads(n):
    """``intra_op_parallelism_threads`` sizes the BLAS threads of products, as TF's sizes
    Eigen's pool (see `teachflow.ops.blas_threads`)."""
    from teachflow.ops import blas_threads

    blas_threads.set_intra_op_threads(n)


def _print_device_mapping(devices):
    gpus = [d for d in devices if d.device_type == "GPU"]
    print("Device mapping:" + ("" if gpus else " no known devices."))
    for d in gpus:
        print(f"{d.name} -> {d.description}")


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
