"""``tf.train.SummarySaverHook``: run the summary op every N steps or seconds and write what
it returns to an event file, at the global step TensorBoard plots it against.

The hook adds the summary op to the fetches of the runs its timer selects (the first run
always), reads the global step after the run, and writes a ``SessionLog.START`` before the
first summary, so TensorBoard discards data a crashed earlier run wrote past that step.

    >>> import tempfile
    >>> import teachflow as tf
    >>> logdir = tempfile.mkdtemp()
    >>> step = tf.train.get_or_create_global_step()
    >>> loss = tf.summary.scalar("loss", tf.cast(step, tf.float32))
    >>> hook = tf.train.SummarySaverHook(save_steps=2, output_dir=logdir, summary_op=loss)
    >>> train = tf.assign_add(step, 1)
    >>> with tf.train.MonitoredSession(hooks=[hook]) as sess:
    ...     for _ in range(5):
    ...         _ = sess.run(train)
    >>> events = tf.train.summary_iterator(tf.gfile.Glob(logdir + "/events.*")[0])
    >>> [e.step for e in events if e.HasField("summary")]
    [1, 3, 5]
    >>> tf.summary.FileWriterCache.clear()
"""

from __future__ import annotations

from teachflow.proto.messages import SessionLog
from teachflow.summary.writer_cache import FileWriterCache
from teachflow.train.basic_session_run_hooks import SecondOrStepTimer, _require_global_step
from teachflow.train.session_run_hook import SessionRunArgs, SessionRunHook

__all__ = ["SummarySaverHook"]


class SummarySaverHook(SessionRunHook):
    """Saves summaries every ``save_steps`` steps or ``save_secs`` seconds (exactly one).

    The writer is ``summary_writer`` or, for ``output_dir``, the cached `FileWriter` of that
    directory; with neither the hook runs but writes nothing. The summaries come from
    ``summary_op`` (a tensor or a list of them) or from ``scaffold.summary_op``.

    Raises ValueError unless exactly one of ``scaffold`` and ``summary_op`` is given, and
    RuntimeError from ``begin`` when the graph has no global step.
    """

    def __init__(
        self,
        save_steps=None,
        save_secs=None,
        output_dir=None,
        summary_writer=None,
        scaffold=None,
        summary_op=None,
    ):
        if (scaffold is None) == (summary_op is None):
            raise ValueError("Exactly one of scaffold or summary_op must be provided.")
        self._summary_op = summary_op
        self._summary_writer = summary_writer
        self._output_dir = output_dir
        self._scaffold = scaffold
        self._timer = SecondOrStepTimer(every_secs=save_secs, every_steps=save_steps)

    def begin(self):
        if self._summary_writer is None and self._output_dir:
            self._summary_writer = FileWriterCache.get(self._output_dir)
        self._next_step = None
        self._global_step_tensor = _require_global_step("SummarySaverHook")

    def before_run(self, run_context):
        self._request_summary = self._next_step is None or self._timer.should_trigger_for_step(
            self._next_step
        )
        requests = {"global_step": self._global_step_tensor}
        summary_ops = self._get_summary_op()
        if self._request_summary and summary_ops is not None:
            requests["summary"] = summary_ops
        return SessionRunArgs(requests)

    def after_run(self, run_context, run_values):
        if not self._summary_writer:
            return
        global_step = run_values.results["global_step"] + 1
        # The fetched step predates this run's update: read it again when it is written.
        if self._next_step is None or self._request_summary:
            global_step = run_context.session.run(self._global_step_tensor)
        if self._next_step is None:
            self._summary_writer.add_session_log(SessionLog(status=SessionLog.START), global_step)
        if self._request_summary:
            self._timer.update_last_triggered_step(global_step)
            for summary in run_values.results.get("summary", ()):
                self._summary_writer.add_summary(summary, global_step)
        self._next_step = global_step + 1

    def end(self, session=None):
        if self._summary_writer:
            self._summary_writer.flush()

    def _get_summary_op(self):
        summary_op = self._summary_op
        if summary_op is None:
            summary_op = self._scaffold.summary_op
        if summary_op is None:
            return None
        return summary_op if isinstance(summary_op, list) else [summary_op]
