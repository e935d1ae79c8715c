"""``tf.train.Supervisor``: the TF 1.0 way to run a training program, alone or as one task
of a between-graph cluster.

A Supervisor wraps a `SessionManager`, a `Saver`, a `Coordinator` and a summary writer:

* the **chief** (``is_chief=True``) restores the newest checkpoint of ``logdir`` or, if there
  is none, runs ``init_op``; then its *standard services* save a checkpoint every
  ``save_model_secs``, write ``summary_op`` every ``save_summaries_secs`` and count
  steps per second;
* every **other worker** waits (polling ``ready_op``, normally
  ``tf.report_uninitialized_variables()``) until the chief has initialized the variables
  that live on the ps tasks;
* everyone runs the graph's queue runners, and stops together through the coordinator.

The classic loop, as distributed TF1 tutorials write it:

    >>> import tempfile
    >>> import teachflow as tf
    >>> step = tf.train.get_or_create_global_step()
    >>> train_op = tf.assign_add(step, 1)
    >>> sv = tf.train.Supervisor(logdir=tempfile.mkdtemp(), save_model_secs=0)
    >>> with sv.managed_session() as sess:
    ...     while not sv.should_stop() and sess.run(step) < 3:
    ...         _ = sess.run(train_op)
    >>> sv.global_step is step
    True

The constructor finalizes the graph (nothing may be added afterwards), as TensorFlow's does.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time

from teachflow.framework.graph import GraphKeys, get_default_graph
from teachflow.ops import control_flow_ops, variables
from teachflow.train import training_util
from teachflow.train.coordinator import Coordinator, LooperThread
from teachflow.train.graph_io import write_graph
from teachflow.train.saver import Saver
from teachflow.train.session_manager import SessionManager

__all__ = ["Supervisor"]

_log = logging.getLogger("tensorflow")

# TensorFlow's GraphKeys value (teachflow's GraphKeys has no name for it).
_READY_FOR_LOCAL_INIT_OP = "ready_for_local_init_op"


class Supervisor:
    """Creates the session of a training program and runs its services; see the module."""

    # Leave an argument at USE_DEFAULT to have the Supervisor build (or find) the default.
    USE_DEFAULT = 0

    def __init__(
        self,
        graph=None,
        ready_op=USE_DEFAULT,
        ready_for_local_init_op=USE_DEFAULT,
        is_chief=True,
        init_op=USE_DEFAULT,
        init_feed_dict=None,
        local_init_op=USE_DEFAULT,
        logdir=None,
        summary_op=USE_DEFAULT,
        saver=USE_DEFAULT,
        global_step=USE_DEFAULT,
        save_summaries_secs=120,
        save_model_secs=600,
        recovery_wait_secs=30,
        stop_grace_secs=120,
        checkpoint_basename="model.ckpt",
        session_manager=None,
        summary_writer=USE_DEFAULT,
        init_fn=None,
        local_init_run_options=None,
    ):
        self._graph = graph if graph is not None else get_default_graph()
        with self._graph.as_default():
            self._init_ready_op(ready_op, ready_for_local_init_op)
            self._init_init_op(init_op, init_feed_dict)
            self._init_local_init_op(local_init_op)
            self._init_saver(saver)
            self._init_summary_op(summary_op)
            self._init_global_step(global_step)
        self._is_chief = is_chief
        self._coord = Coordinator()
        self._recovery_wait_secs = recovery_wait_secs
        self._stop_grace_secs = stop_grace_secs
        self._init_fn = init_fn
        self._local_init_run_options = local_init_run_options
        self._logdir = logdir
        self._save_summaries_secs = save_summaries_secs
        self._save_model_secs = save_model_secs
        self._save_path = os.path.join(logdir, checkpoint_basename) if logdir else None
        self._summary_writer = self._make_summary_writer(summary_writer)
        self._graph_added_to_summary = False
        self._verify_setup()
        self._session_manager = session_manager or SessionManager(
            local_init_op=self._local_init_op,
            ready_op=self._ready_op,
            ready_for_local_init_op=self._ready_for_local_init_op,
            graph=self._graph,
            recovery_wait_secs=self._recovery_wait_secs,
            local_init_run_options=local_init_run_options,
        )
        # The meta graph the summary writer gets, taken before the graph is frozen.
        self._meta_graph_def = None
        if self._summary_writer is not None:
            from teachflow.train.saver_meta_graph import export_meta_graph

            self._meta_graph_def = export_meta_graph(
                graph=self._graph,
                saver_def=self._saver.as_saver_def() if self._saver else None,
            )
        self._graph.finalize()

    # -- the defaults, built or found in the graph's collections ----------------------------
    def _first_of(self, key):
        found = self._graph.get_collection(key)
        if len(found) > 1:
            raise RuntimeError(f"More than one item in the collection '{key}'.")
        return found[0] if found else None

    def _init_ready_op(self, ready_op, ready_for_local_init_op):
        if ready_op is Supervisor.USE_DEFAULT:
            ready_op = self._first_of(GraphKeys.READY_OP)
            if ready_op is None:
                ready_op = variables.report_uninitialized_variables()
                self._graph.add_to_collection(GraphKeys.READY_OP, ready_op)
        self._ready_op = ready_op
        if ready_for_local_init_op is Supervisor.USE_DEFAULT:
            ready_for_local_init_op = self._first_of(_READY_FOR_LOCAL_INIT_OP)
            if ready_for_local_init_op is None:
                ready_for_local_init_op = variables.report_uninitialized_variables(
                    variables.global_variables()
                )
                self._graph.add_to_collection(_READY_FOR_LOCAL_INIT_OP, ready_for_local_init_op)
        self._ready_for_local_init_op = ready_for_local_init_op

    def _init_init_op(self, init_op, init_feed_dict):
        if init_op is Supervisor.USE_DEFAULT:
            init_op = self._first_of(GraphKeys.INIT_OP)
            if init_op is None:
                init_op = variables.global_variables_initializer()
                self._graph.add_to_collection(GraphKeys.INIT_OP, init_op)
        self._init_op = init_op
        self._init_feed_dict = init_feed_dict

    def _init_local_init_op(self, local_init_op):
        if local_init_op is Supervisor.USE_DEFAULT:
            local_init_op = self._first_of(GraphKeys.LOCAL_INIT_OP)
            if local_init_op is None:
                # TF groups tables_initializer() too; teachflow has no lookup tables.
                local_init_op = control_flow_ops.group(variables.local_variables_initializer())
                self._graph.add_to_collection(GraphKeys.LOCAL_INIT_OP, local_init_op)
        self._local_init_op = local_init_op

    def _init_saver(self, saver):
        if saver is Supervisor.USE_DEFAULT:
            saver = self._first_of(GraphKeys.SAVERS)
            if saver is None and variables.global_variables():
                saver = Saver()
                self._graph.add_to_collection(GraphKeys.SAVERS, saver)
        self._saver = saver

    def _init_summary_op(self, summary_op):
        if summary_op is Supervisor.USE_DEFAULT:
            summary_op = self._first_of(GraphKeys.SUMMARY_OP)
            if summary_op is None:
                from teachflow.ops.summary_ops import merge_all

                summary_op = merge_all()
                if summary_op is not None:
                    self._graph.add_to_collection(GraphKeys.SUMMARY_OP, summary_op)
        self._summary_op = summary_op

    def _init_global_step(self, global_step):
        if global_step is Supervisor.USE_DEFAULT:
            global_step = self._first_of(GraphKeys.GLOBAL_STEP)
            if global_step is None:
                try:
                    global_step = self._graph.get_tensor_by_name("global_step:0")
                except KeyError:
                    global_step = None
        self._global_step = global_step

    def _make_summary_writer(self, summary_writer):
        if summary_writer is not Supervisor.USE_DEFAULT:
            return summary_writer
        if not (self._is_chief and self._logdir):
            return None
        # Imported here: summaries sit beside train, and a worker without a logdir never
        # needs them.
        from teachflow.summary.writer import FileWriter

        return FileWriter(self._logdir)

    def _verify_setup(self):
        """Replicas share variables through the ps tasks: every variable needs a device."""
        if self._is_chief:
            return
        for op in self._graph.get_operations():
            if op.type in ("Variable", "VariableV2", "VarHandleOp") and not op.device:
                raise ValueError(
                    f"When using replicas, all Variables must have their device set: {op}"
                )

    # -- what the Supervisor holds ---------------------------------------------------------
    session_manager = property(lambda self: self._session_manager)
    coord = property(lambda self: self._coord, doc="The `Coordinator` every service stops on.")
    init_op = property(lambda self: self._init_op)
    init_feed_dict = property(lambda self: self._init_feed_dict)
    ready_op = property(lambda self: self._ready_op)
    ready_for_local_init_op = property(lambda self: self._ready_for_local_init_op)
    summary_writer = property(lambda self: self._summary_writer)
    summary_op = property(lambda self: self._summary_op)
    save_summaries_secs = property(lambda self: self._save_summaries_secs)
    global_step = property(lambda self: self._global_step)
    saver = property(lambda self: self._saver)
    save_model_secs = property(lambda self: self._save_model_secs)
    save_path = property(lambda self: self._save_path)
    is_chief = property(lambda self: self._is_chief)
    logdir = property(lambda self: self._logdir)
    recovery_wait_secs = property(lambda self: self._recovery_wait_secs)
    stop_grace_secs = property(lambda self: self._stop_grace_secs)

    # -- sessions ----------------------------------------------------------------------------
    def _write_graph(self):
        """The chief writes ``graph.pbtxt`` to the logdir and gives the writer the graph."""
        if not self._is_chief or not self._logdir:
            return
        write_graph(self._graph.as_graph_def(add_shapes=True), self._logdir, "graph.pbtxt")
        if self._summary_writer is not None and not self._graph_added_to_summary:
            self._summary_writer.add_graph(self._graph)
            if self._meta_graph_def is not None:
                self._summary_writer.add_meta_graph(self._meta_graph_def)
            self._graph_added_to_summary = True

    def prepare_or_wait_for_session(
        self,
        master="",
        config=None,
        wait_for_checkpoint=False,
        max_wait_secs=7200,
        start_standard_services=True,
    ):
        """The chief's session restored or initialized (and its services started), or,
        on another worker, a session once the chief made the model ready; queue runners
        started in both. DeadlineExceededError if a worker waits past ``max_wait_secs``."""
        self._coord.clear_stop()
        if self._summary_writer is not None:
            self._summary_writer.reopen()
        if self._is_chief:
            sess = self._session_manager.prepare_session(
                master,
                init_op=self.init_op,
                saver=self.saver,
                checkpoint_dir=self._logdir,
                wait_for_checkpoint=wait_for_checkpoint,
                max_wait_secs=max_wait_secs,
                config=config,
                init_feed_dict=self._init_feed_dict,
                init_fn=self._init_fn,
            )
            self._write_graph()
            if start_standard_services:
                _log.info("Starting standard services.")
                self.start_standard_services(sess)
        else:
            sess = self._session_manager.wait_for_session(
                master, config=config, max_wait_secs=max_wait_secs
            )
        if start_standard_services:
            _log.info("Starting queue runners.")
            self.start_queue_runners(sess)
        return sess

    @contextlib.contextmanager
    def managed_session(
        self, master="", config=None, start_standard_services=True, close_summary_writer=True
    ):
        """``with sv.managed_session(target) as sess:`` — a ready session; on leaving, the
        services and queue runners are stopped and the session closed.

        An exception in the block stops the services and is raised again, except
        ``OutOfRangeError`` (the input ran out), which ends the block cleanly.
        """
        sess = None
        try:
            sess = self.prepare_or_wait_for_session(
                master=master, config=config, start_standard_services=start_standard_services
            )
            yield sess
        except Exception as e:  # noqa: BLE001 - the coordinator decides what is re-raised
            self.request_stop(e)
        finally:
            try:
                # Raises again what a service thread or the block stopped with.
                self.stop(close_summary_writer=close_summary_writer)
            finally:
                if sess is not None:
                    with contextlib.suppress(Exception):
                        sess.close()

    # -- services --------------------------------------------------------------------------
    def start_standard_services(self, sess):
        """The chief's services: summaries, steps/sec and checkpoints, each on its own
        timer thread (those with a zero interval or nothing to do are not started).

        TypeError on a worker that is not the chief; nothing without a logdir."""
        if not self._is_chief:
            raise TypeError("Chief only")
        if not self._logdir:
            _log.warning("Standard services need a 'logdir' passed to the SessionManager")
            return []
        if self._global_step is not None and self._summary_writer is not None:
            from teachflow.proto.messages import SessionLog

            step = training_util.global_step(sess, self._global_step)
            self._summary_writer.add_session_log(SessionLog(status=SessionLog.START), step)
        threads = []
        if self._save_summaries_secs and self._summary_writer is not None:
            if self._summary_op is not None:
                threads.append(SVSummaryThread(self, sess))
            if self._global_step is not None:
                threads.append(SVStepCounterThread(self, sess))
        if self.saver and self._save_model_secs:
            threads.append(SVTimerCheckpointThread(self, sess))
        for t in threads:
            t.start()
        return threads

    def start_queue_runners(self, sess, queue_runners=None):
        """Start the graph's queue runners (or ``queue_runners``) on the coordinator."""
        if queue_runners is None:
            queue_runners = self._graph.get_collection(GraphKeys.QUEUE_RUNNERS)
        threads = []
        for qr in queue_runners:
            threads.extend(qr.create_threads(sess, coord=self._coord, daemon=True, start=True))
        return threads

    def loop(self, timer_interval_secs, target, args=None, kwargs=None):
        """Call ``target(*args, **kwargs)`` every ``timer_interval_secs`` on a thread that
        stops with the coordinator; returns the started thread."""
        looper = LooperThread(
            self._coord, timer_interval_secs, target=target, args=args, kwargs=kwargs
        )
        looper.start()
        return looper

    def summary_computed(self, sess, summary, global_step=None):
        """Write ``summary`` (what ``sess.run(summary_op)`` returned) at ``global_step``
        (default: the current global step). RuntimeError without a summary writer."""
        if self._summary_writer is None:
            raise RuntimeError("Writing a summary requires a summary writer.")
        if global_step is None and self._global_step is not None:
            global_step = training_util.global_step(sess, self._global_step)
        self._summary_writer.add_summary(summary, global_step)

    # -- stopping ----------------------------------------------------------------------------
    def request_stop(self, ex=None):
        """Ask every service and queue runner to stop (``ex``: the exception that caused it)."""
        self._coord.request_stop(ex=ex)

    def should_stop(self):
        return self._coord.should_stop()

    def stop_on_exception(self):
        return self._coord.stop_on_exception()

    def wait_for_stop(self):
        self._coord.wait_for_stop()

    def stop(self, threads=None, close_summary_writer=True, ignore_live_threads=False):
        """Request a stop and join the threads (all the coordinator knows by default),
        waiting up to ``stop_grace_secs``; raises again the exception a thread stopped with.
        The summary writer gets a STOP session log and is closed."""
        self._coord.request_stop()
        try:
            self._coord.join(
                threads,
                stop_grace_period_secs=self._stop_grace_secs,
                ignore_live_threads=ignore_live_threads,
            )
        finally:
            if close_summary_writer and self._summary_writer is not None:
                from teachflow.proto.messages import SessionLog

                self._summary_writer.add_session_log(SessionLog(status=SessionLog.STOP))
                self._summary_writer.close()
                self._graph_added_to_summary = False


# -- the standard services ------------------------------------------------------------------
class SVSummaryThread(LooperThread):
    """Runs the summary op and writes its result every ``save_summaries_secs``."""

    def __init__(self, sv, sess):
        super().__init__(sv.coord, sv.save_summaries_secs)
        self._sv = sv
        self._sess = sess

    def run_loop(self):
        sv = self._sv
        if sv.global_step is not None:
            summary, step = self._sess.run([sv.summary_op, sv.global_step])
        else:
            summary, step = self._sess.run(sv.summary_op), None
        if sv.summary_writer is not None:
            _log.info("Recording summary at step %s.", step)
            sv.summary_writer.add_summary(summary, step)


class SVStepCounterThread(LooperThread):
    """Writes ``<global step name>/sec``, the training speed, every ``save_summaries_secs``."""

    def __init__(self, sv, sess, step_counter=None):
        super().__init__(sv.coord, sv.save_summaries_secs)
        self._sv = sv
        self._sess = sess
        self._step_counter = sv.global_step if step_counter is None else step_counter
        self._summary_tag = f"{self._step_counter.op.name}/sec"
        self._last_time = 0.0
        self._last_step = 0

    def start_loop(self):
        self._last_time = time.time()
        self._last_step = training_util.global_step(self._sess, self._step_counter)

    def run_loop(self):
        from teachflow.proto.messages import Summary

        now = time.time()
        elapsed = now - self._last_time
        self._last_time = now
        step = training_util.global_step(self._sess, self._step_counter)
        added = step - self._last_step
        self._last_step = step
        per_sec = added / elapsed if elapsed > 0 else float("inf")
        summary = Summary(value=[Summary.Value(tag=self._summary_tag, simple_value=per_sec)])
        if self._sv.summary_writer is not None:
            self._sv.summary_writer.add_summary(summary, step)
        _log.info("%s: %g", self._summary_tag, per_sec)


class SVTimerCheckpointThread(LooperThread):
    """Saves a checkpoint to ``save_path`` every ``save_model_secs``."""

    def __init__(self, sv, sess):
        super().__init__(sv.coord, sv.save_model_secs)
        self._sv = sv
        self._sess = sess

    def run_loop(self):
        sv = self._sv
        _log.info("Saving checkpoint to path %s", sv.save_path)
        sv.saver.save(self._sess, sv.save_path, global_step=sv.global_step)
        if sv.summary_writer is not None and sv.global_step is not None:
            from teachflow.proto.messages import SessionLog

            step = training_util.global_step(self._sess, sv.global_step)
            log = SessionLog(status=SessionLog.CHECKPOINT, checkpoint_path=sv.save_path)
            sv.summary_writer.add_session_log(log, step)
