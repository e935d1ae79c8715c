"""The hooks TensorFlow ships: stop at a step, save checkpoints, log tensors, count steps/sec,
fail on NaN, feed, and fetch final values.

Each is a `tf.train.SessionRunHook` for a ``MonitoredSession``; most read the global step,
so the graph needs one (``tf.train.get_or_create_global_step()``).

    >>> import teachflow as tf
    >>> step = tf.train.get_or_create_global_step()
    >>> loss = tf.constant(0.5) * tf.cast(step, tf.float32)
    >>> train = tf.assign_add(step, 1)
    >>> final = tf.train.FinalOpsHook(loss)
    >>> hooks = [tf.train.StopAtStepHook(num_steps=4), final]
    >>> with tf.train.MonitoredSession(hooks=hooks) as sess:
    ...     while not sess.should_stop():
    ...         _ = sess.run(train)
    >>> print(final.final_ops_values)
    2.0

Messages go to the Python logger ``"tensorflow"`` at INFO level, as TF's do ("INFO:tensorflow:
loss = 0.25, step = 1"); to see them, ``logging.getLogger("tensorflow").setLevel(logging.INFO)``.
There are no summaries in teachflow: `StepCounterHook` logs steps/sec without writing events.
"""

from __future__ import annotations

import logging
import os
import time

import numpy as np

from teachflow.framework import errors
from teachflow.framework.codecs.graph_def import to_text
from teachflow.framework.graph import get_default_graph
from teachflow.framework.scopes import name_scope
from teachflow.proto.messages import SessionLog, Summary
from teachflow.summary.writer_cache import FileWriterCache
from teachflow.train import training_util
from teachflow.train.session_run_hook import SessionRunArgs, SessionRunHook

__all__ = [
    "CheckpointSaverHook",
    "CheckpointSaverListener",
    "FeedFnHook",
    "FinalOpsHook",
    "GlobalStepWaiterHook",
    "LoggingTensorHook",
    "NanLossDuringTrainingError",
    "NanTensorHook",
    "SecondOrStepTimer",
    "StepCounterHook",
    "StopAtStepHook",
]


def _tensorflow_logger() -> logging.Logger:
    # TF's logger prints "INFO:tensorflow:..." to stderr once its level lets a record through;
    # `teachflow.logging` owns its one handler (two made every line print twice).
    from teachflow import logging as tf_logging

    return tf_logging.get_logger()


_log = _tensorflow_logger()

_GLOBAL_STEP_READ_KEY = "global_step_read_op_cache"


def _get_or_create_global_step_read(graph=None):
    """A copy of the global step's value, made once per graph (TF's helper of the same name).

    Hooks fetch this instead of the variable so that reading the step never aliases the
    value a concurrent update is writing."""
    graph = graph or get_default_graph()
    cached = graph.get_collection(_GLOBAL_STEP_READ_KEY)
    if cached:
        return cached[0]
    step = training_util.get_global_step(graph)
    if step is None:
        return None
    with graph.as_default(), name_scope(None), name_scope(step.op.name + "/"):
        value = step.initialized_value() if hasattr(step, "initialized_value") else step
        read = value + 0
    graph.add_to_collection(_GLOBAL_STEP_READ_KEY, read)
    return read


def _require_global_step(hook_name):
    read = _get_or_create_global_step_read()
    if read is None:
        raise RuntimeError(f"Global step should be created to use {hook_name}.")
    return read


def _as_graph_element(obj):
    graph = get_default_graph()
    if not isinstance(obj, str):
        if not hasattr(obj, "graph") or obj.graph is not graph:
            raise ValueError(
                f"Passed {obj} should have graph attribute that is equal to current graph {graph}."
            )
        return obj
    if ":" in obj:
        return graph.as_graph_element(obj)
    element = graph.as_graph_element(obj + ":0")
    try:
        graph.as_graph_element(obj + ":1")
    except (KeyError, ValueError):
        return element
    raise ValueError(
        f"Name {obj} is ambiguous, as this `Operation` has multiple outputs (at least 2)."
    )


# -- timers ---------------------------------------------------------------------------------
class SecondOrStepTimer:
    """Triggers every ``every_secs`` seconds or every ``every_steps`` steps (exactly one)."""

    def __init__(self, every_secs=None, every_steps=None):
        self.reset()
        self._every_secs = every_secs
        self._every_steps = every_steps
        if every_secs is None and every_steps is None:
            raise ValueError("Either every_secs or every_steps should be provided.")
        if every_secs is not None and every_steps is not None:
            raise ValueError("Can not provide both every_secs and every_steps.")

    def reset(self):
        self._last_triggered_step = None
        self._last_triggered_time = None

    def should_trigger_for_step(self, step) -> bool:
        if self._last_triggered_step is None:
            return True
        if self._last_triggered_step == step:
            return False
        if self._every_secs is not None and time.time() >= (
            self._last_triggered_time + self._every_secs
        ):
            return True
        return self._every_steps is not None and step >= (
            self._last_triggered_step + self._every_steps
        )

    def update_last_triggered_step(self, step):
        """Record a trigger at ``step``; returns (seconds, steps) since the previous one."""
        now = time.time()
        if self._last_triggered_time is None:
            elapsed = (None, None)
        else:
            elapsed = (now - self._last_triggered_time, step - self._last_triggered_step)
        self._last_triggered_time = now
        self._last_triggered_step = step
        return elapsed

    def last_triggered_step(self):
        return self._last_triggered_step


class NeverTriggerTimer:
    """A timer that never triggers (LoggingTensorHook with only ``at_end``)."""

    def reset(self):
        pass

    def should_trigger_for_step(self, step) -> bool:
        return False

    def update_last_triggered_step(self, step):
        return (None, None)

    def last_triggered_step(self):
        return None


def _triggered_step(timer, run_context, global_step_tensor, stale_step, steps_per_run):
    """The global step, read again, when ``timer`` triggers for it; else None.

    ``stale_step`` was fetched alongside the train op, so it predates this run's update. As
    in TF, the step is read again (one more run) only when the stale one says the timer is
    due within ``steps_per_run`` steps."""
    if not timer.should_trigger_for_step(stale_step + steps_per_run):
        return None
    step = run_context.session.run(global_step_tensor)
    return step if timer.should_trigger_for_step(step) else None


# -- stopping -------------------------------------------------------------------------------
class StopAtStepHook(SessionRunHook):
    """Requests a stop once the global step reaches ``last_step`` (or ``num_steps`` more
    than it was when the session was created)."""

    def __init__(self, num_steps=None, last_step=None):
        if num_steps is None and last_step is None:
            raise ValueError("One of num_steps or last_step must be specified.")
        if num_steps is not None and last_step is not None:
            raise ValueError("Only one of num_steps or last_step can be specified.")
        self._num_steps = num_steps
        self._last_step = last_step

    def begin(self):
        self._global_step_tensor = _require_global_step("StopAtStepHook")

    def after_create_session(self, session, coord):
        if self._last_step is None:
            self._last_step = session.run(self._global_step_tensor) + self._num_steps

    def before_run(self, run_context):
        return SessionRunArgs(self._global_step_tensor)

    def after_run(self, run_context, run_values):
        # The fetched step was read before this run's update: +1 is the likely value now;
        # only then is the actual step read (one more run of the session).
        if run_values.results + 1 >= self._last_step:
            step = run_context.session.run(self._global_step_tensor)
            if step >= self._last_step:
                run_context.request_stop()


# -- checkpoints ----------------------------------------------------------------------------
class CheckpointSaverListener:
    """Called around each save of a `CheckpointSaverHook`; ``after_save`` returning True stops."""

    def begin(self):
        pass

    def before_save(self, session, global_step_value):
        pass

    def after_save(self, session, global_step_value):
        pass

    def end(self, session, global_step_value):
        pass


class CheckpointSaverHook(SessionRunHook):
    """Saves a checkpoint when the session is created, every ``save_secs`` seconds or
    ``save_steps`` steps, and at the end, to ``checkpoint_dir/checkpoint_basename-<step>``."""

    def __init__(
        self,
        checkpoint_dir,
        save_secs=None,
        save_steps=None,
        saver=None,
        checkpoint_basename="model.ckpt",
        scaffold=None,
        listeners=None,
        save_graph_def=True,
    ):
        _log.info("Create CheckpointSaverHook.")
        if saver is not None and scaffold is not None:
            raise ValueError("You cannot provide both saver and scaffold.")
        self._saver = saver
        self._checkpoint_dir = checkpoint_dir
        self._save_path = os.path.join(checkpoint_dir, checkpoint_basename)
        self._scaffold = scaffold
        self._timer = SecondOrStepTimer(every_secs=save_secs, every_steps=save_steps)
        self._listeners = listeners or []
        self._steps_per_run = 1000000
        self._save_graph_def = save_graph_def

    def begin(self):
        self._summary_writer = FileWriterCache.get(self._checkpoint_dir)
        self._global_step_tensor = _require_global_step("CheckpointSaverHook")
        for listener in self._listeners:
            listener.begin()

    def after_create_session(self, session, coord):
        from teachflow.train.saver_meta_graph import export_meta_graph

        step = session.run(self._global_step_tensor)
        if self._save_graph_def:
            _write_graph(session.graph, self._checkpoint_dir, "graph.pbtxt")
        # As TF's hook: the graph and its MetaGraphDef go to the events file too, for
        # TensorBoard's Graphs tab.
        saver = self._get_saver()
        graph = session.graph
        meta_graph = export_meta_graph(
            graph=graph,
            graph_def=graph.as_graph_def(add_shapes=True),
            saver_def=saver.saver_def if saver is not None else None,
        )
        self._summary_writer.add_graph(graph)
        self._summary_writer.add_meta_graph(meta_graph)
        self._save(session, step)
        self._timer.update_last_triggered_step(step)

    def before_run(self, run_context):
        return SessionRunArgs(self._global_step_tensor)

    def after_run(self, run_context, run_values):
        step = _triggered_step(
            self._timer,
            run_context,
            self._global_step_tensor,
            run_values.results,
            self._steps_per_run,
        )
        if step is not None:
            self._timer.update_last_triggered_step(step)
            if self._save(run_context.session, step):
                run_context.request_stop()

    def end(self, session):
        last_step = session.run(self._global_step_tensor)
        if last_step != self._timer.last_triggered_step():
            self._save(session, last_step)
        for listener in self._listeners:
            listener.end(session, last_step)

    def _save(self, session, step) -> bool:
        _log.info("Calling checkpoint listeners before saving checkpoint %d...", step)
        for listener in self._listeners:
            listener.before_save(session, step)
        _log.info("Saving checkpoints for %d into %s.", step, self._save_path)
        self._get_saver().save(
            session, self._save_path, global_step=int(step), write_meta_graph=self._save_graph_def
        )
        checkpoint = SessionLog(status=SessionLog.CHECKPOINT, checkpoint_path=self._save_path)
        self._summary_writer.add_session_log(checkpoint, step)
        _log.info("Calling checkpoint listeners after saving checkpoint %d...", step)
        should_stop = False
        for listener in self._listeners:
            if listener.after_save(session, step):
                _log.info(
                    "A CheckpointSaverListener requested that training be stopped. listener: %s",
                    listener,
                )
                should_stop = True
        return should_stop

    def _get_saver(self):
        if self._saver is not None:
            return self._saver
        if self._scaffold is not None:
            return self._scaffold.saver
        savers = get_default_graph().get_collection("savers")
        if not savers:
            raise RuntimeError(
                "No items in collection savers. Please add a saver to the collection or "
                "provide a saver or scaffold."
            )
        if len(savers) > 1:
            raise RuntimeError(
                "More than one item in collection savers. Please indicate which one to use by "
                "passing it to the constructor."
            )
        self._saver = savers[0]
        return self._saver


def _write_graph(graph, logdir, name):
    # TF writes the GraphDef (with shapes) as text next to the checkpoints: a student can
    # open it, and TF or tf.import_graph_def can read it back.
    path = os.path.join(logdir, name)
    os.makedirs(logdir, exist_ok=True)
    text = to_text(graph.as_graph_def(add_shapes=True))
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


# -- logging ---------------------------------------------------------------------------------
class LoggingTensorHook(SessionRunHook):
    """Logs the values of ``tensors`` (a list of tensors/names, or a dict tag -> tensor)
    every ``every_n_iter`` runs or ``every_n_secs`` seconds, and/or ``at_end``.

    ``formatter(values_dict) -> str`` replaces the default "tag = value, ..." line."""

    def __init__(self, tensors, every_n_iter=None, every_n_secs=None, at_end=False, formatter=None):
        only_at_end = at_end and every_n_iter is None and every_n_secs is None
        if not only_at_end and (every_n_iter is None) == (every_n_secs is None):
            raise ValueError(
                "either at_end and/or exactly one of every_n_iter and every_n_secs must be "
                "provided."
            )
        if every_n_iter is not None and every_n_iter <= 0:
            raise ValueError(f"invalid every_n_iter={every_n_iter}.")
        if not isinstance(tensors, dict):
            self._tag_order = list(tensors)
            tensors = {item: item for item in tensors}
        else:
            self._tag_order = sorted(tensors.keys())
        self._tensors = tensors
        self._formatter = formatter
        self._timer = (
            NeverTriggerTimer()
            if only_at_end
            else SecondOrStepTimer(every_secs=every_n_secs, every_steps=every_n_iter)
        )
        self._log_at_end = at_end

    def begin(self):
        self._timer.reset()
        self._iter_count = 0
        self._current_tensors = {
            tag: _as_graph_element(tensor) for tag, tensor in self._tensors.items()
        }

    def before_run(self, run_context):
        self._should_trigger = self._timer.should_trigger_for_step(self._iter_count)
        return SessionRunArgs(self._current_tensors) if self._should_trigger else None

    def _log_tensors(self, values):
        elapsed_secs, _ = self._timer.update_last_triggered_step(self._iter_count)
        with np.printoptions(suppress=True):
            if self._formatter:
                _log.info(self._formatter(values))
                return
            # str() as TF's "%s": a float32 prints its shortest digits (12.290858), where
            # format() would print its float64 ones (12.290858268737793).
            stats = ", ".join(f"{tag} = {values[tag]!s}" for tag in self._tag_order)
        if elapsed_secs is not None:
            _log.info("%s (%.3f sec)", stats, elapsed_secs)
        else:
            _log.info("%s", stats)

    def after_run(self, run_context, run_values):
        if self._should_trigger:
            self._log_tensors(run_values.results)
        self._iter_count += 1

    def end(self, session):
        if self._log_at_end:
            self._log_tensors(session.run(self._current_tensors))


class StepCounterHook(SessionRunHook):
    """Logs "global_step/sec: N" every ``every_n_steps`` steps (or ``every_n_secs``).

    With ``summary_writer`` or ``output_dir`` (its cached `FileWriter`, opened in ``begin``,
    which writes the graph) the rate is also written as a ``global_step/sec`` summary, as TF
    does; TensorBoard plots it."""

    def __init__(self, every_n_steps=100, every_n_secs=None, output_dir=None, summary_writer=None):
        if (every_n_steps is None) == (every_n_secs is None):
            raise ValueError("exactly one of every_n_steps and every_n_secs should be provided.")
        self._timer = SecondOrStepTimer(every_steps=every_n_steps, every_secs=every_n_secs)
        self._output_dir = output_dir
        self._summary_writer = summary_writer
        self._last_global_step = None
        self._steps_per_run = 1
        self._warned = False
        self.steps_per_sec = []

    def begin(self):
        if self._summary_writer is None and self._output_dir:
            self._summary_writer = FileWriterCache.get(self._output_dir)
        self._global_step_tensor = _require_global_step("StepCounterHook")
        self._summary_tag = training_util.get_global_step().op.name + "/sec"

    def before_run(self, run_context):
        return SessionRunArgs(self._global_step_tensor)

    def after_run(self, run_context, run_values):
        stale = run_values.results
        step = _triggered_step(
            self._timer, run_context, self._global_step_tensor, stale, self._steps_per_run
        )
        if step is not None:
            elapsed_time, elapsed_steps = self._timer.update_last_triggered_step(step)
            if elapsed_time is not None:
                rate = elapsed_steps / elapsed_time if elapsed_time > 0 else float("inf")
                self.steps_per_sec.append((int(step), rate))
                if self._summary_writer is not None:
                    value = Summary.Value(tag=self._summary_tag, simple_value=rate)
                    self._summary_writer.add_summary(Summary(value=[value]), step)
                _log.info("%s: %g", self._summary_tag, rate)
        if stale == self._last_global_step and not self._warned:
            self._warned = True
            _log.warning(
                "It seems that global step (tf.train.get_global_step) has not been increased. "
                "Current value (could be stable): %s vs previous value: %s. You could increase "
                "the global step by passing tf.train.get_global_step() to "
                "Optimizer.apply_gradients or Optimizer.minimize.",
                stale,
                self._last_global_step,
            )
        self._last_global_step = stale


# -- failing, feeding, finishing ---------------------------------------------------------------
class NanLossDuringTrainingError(RuntimeError):
    """Raised by `NanTensorHook` when the loss became NaN."""

    def __str__(self):
        return "NaN loss during training."


class NanTensorHook(SessionRunHook):
    """Fails (NanLossDuringTrainingError) or stops when ``loss_tensor`` is NaN."""

    def __init__(self, loss_tensor, fail_on_nan_loss=True):
        self._loss_tensor = loss_tensor
        self._fail_on_nan_loss = fail_on_nan_loss

    def before_run(self, run_context):
        return SessionRunArgs(self._loss_tensor)

    def after_run(self, run_context, run_values):
        if np.isnan(run_values.results):
            message = "Model diverged with loss = NaN."
            if self._fail_on_nan_loss:
                _log.error(message)
                raise NanLossDuringTrainingError
            _log.warning(message)
            run_context.request_stop()


class GlobalStepWaiterHook(SessionRunHook):
    """Holds this worker's first run until the global step reaches ``wait_until_step``
    (so workers start one after another, as TF's estimators stagger them)."""

    def __init__(self, wait_until_step):
        self._wait_until_step = wait_until_step

    def begin(self):
        self._worker_is_started = False
        self._global_step_tensor = _require_global_step("GlobalStepWaiterHook")

    def before_run(self, run_context):
        if self._worker_is_started:
            return None
        if self._wait_until_step <= 0:
            self._worker_is_started = True
            return None
        _log.info("Waiting for global step %d before starting training.", self._wait_until_step)
        last_logged = 0
        while True:
            step = run_context.session.run(self._global_step_tensor)
            if step >= self._wait_until_step:
                self._worker_is_started = True
                return None
            if step - last_logged > 1000:
                _log.info(
                    "Waiting for global step %d before starting training. Current step is %d.",
                    self._wait_until_step,
                    step,
                )
                last_logged = step
            time.sleep(0.5)


class FinalOpsHook(SessionRunHook):
    """Runs ``final_ops`` when the session ends; their values are ``final_ops_values``."""

    def __init__(self, final_ops, final_ops_feed_dict=None):
        self._final_ops = final_ops
        self._final_ops_feed_dict = final_ops_feed_dict
        self._final_ops_values = None

    @property
    def final_ops_values(self):
        return self._final_ops_values

    def end(self, session):
        if self._final_ops is None:
            return
        try:
            self._final_ops_values = session.run(
                self._final_ops, feed_dict=self._final_ops_feed_dict
            )
        except (errors.OutOfRangeError, StopIteration):
            _log.warning(
                "An OutOfRangeError or StopIteration exception is raised by the code in "
                "FinalOpsHook. This typically means the Ops running by the FinalOpsHook have a "
                "dependency back to some input source, which should not happen. For example, "
                "for metrics in tf.estimator.Estimator, all metrics functions return two Ops: "
                "`value_op` and  `update_op`. Estimator.evaluate calls the `update_op` for each "
                "batch of the data in input source and, once it is exhausted, it call the "
                "`value_op` to get the metric values. The `value_op` here should have dependency "
                "back to variables reading only, rather than reading another batch from input. "
                "Otherwise, the `value_op`, executed by `FinalOpsHook`, triggers another data "
                "reading, which ends OutOfRangeError/StopIteration. Please fix that."
            )
            raise


class FeedFnHook(SessionRunHook):
    """Feeds ``feed_fn()`` (a dict) into every run."""

    def __init__(self, feed_fn):
        self.feed_fn = feed_fn

    def before_run(self, run_context):
        return SessionRunArgs(fetches=None, feed_dict=self.feed_fn())
