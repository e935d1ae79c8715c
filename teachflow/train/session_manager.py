"""``tf.train.SessionManager``: make a session whose model is ready — restored, initialized, or
initialized by someone else.

This is how the tasks of a between-graph cluster agree on who initializes the variables that
live on the ps tasks. The *chief* calls `prepare_session`: it restores the newest checkpoint of
``checkpoint_dir`` if there is one, else runs ``init_op``. Every other worker calls
`wait_for_session`: it opens a session and asks ``ready_op`` (normally
``tf.report_uninitialized_variables()``, which runs an ``IsVariableInitialized`` op next to each
variable, on the ps) until nothing is reported, then runs its ``local_init_op``.

    >>> import teachflow as tf
    >>> v = tf.Variable(1.0, name="v")
    >>> sm = tf.train.SessionManager(ready_op=tf.report_uninitialized_variables())
    >>> sess = sm.prepare_session("", init_op=tf.global_variables_initializer())
    >>> print(sess.run(v))
    1.0

A worker that is still not ready after ``max_wait_secs`` gets `DeadlineExceededError`
("Session was not ready after waiting N secs.").
"""

from __future__ import annotations

import logging
import time

import numpy as np

from teachflow.framework import errors
from teachflow.framework.graph import get_default_graph
from teachflow.runtime.session import Session
from teachflow.train import checkpoint_management

__all__ = ["SessionManager"]

_log = logging.getLogger("tensorflow")

# TF polls a not-yet-ready model every recovery_wait_secs (30 s). teachflow starts polling
# at this interval and doubles it up to 2 s (or recovery_wait_secs, if smaller), so a worker
# of a lab or a test starts at most 2 s after its chief, even when a busy machine made the
# chief slow to initialize (a 30 s cap left workers asleep for half a minute); a poll is one
# small run of the ready op.
_FIRST_POLL_SECS = 0.05
_MAX_POLL_SECS = 2.0


def _name_of(obj) -> str:
    if obj is None:
        return "None"
    return getattr(obj, "name", f"<no name for {type(obj)}>")


class SessionManager:
    """Creates sessions for the chief (`prepare_session`) and for the other workers
    (`wait_for_session`), checking readiness with ``ready_op``."""

    def __init__(
        self,
        local_init_op=None,
        ready_op=None,
        ready_for_local_init_op=None,
        graph=None,
        recovery_wait_secs=30,
        local_init_run_options=None,
        local_init_feed_dict=None,
    ):
        if ready_for_local_init_op is not None and local_init_op is None:
            raise ValueError(
                "If you pass a ready_for_local_init_op you must also pass a local_init_op , "
                f"ready_for_local_init_op [{ready_for_local_init_op}]"
            )
        self._local_init_op = local_init_op
        self._ready_op = ready_op
        self._ready_for_local_init_op = ready_for_local_init_op
        self._graph = graph or get_default_graph()
        self._recovery_wait_secs = recovery_wait_secs
        self._local_init_run_options = local_init_run_options
        self._local_init_feed_dict = local_init_feed_dict
        self._target = None

    # -- the chief ---------------------------------------------------------------------------
    def _restore_checkpoint(
        self,
        master,
        saver=None,
        checkpoint_dir=None,
        checkpoint_filename_with_path=None,
        wait_for_checkpoint=False,
        max_wait_secs=7200,
        config=None,
    ):
        self._target = master
        sess = Session(self._target, graph=self._graph, config=config)
        if checkpoint_dir and checkpoint_filename_with_path:
            raise ValueError(
                "Can not provide both checkpoint_dir and checkpoint_filename_with_path."
            )
        if not saver or not (checkpoint_dir or checkpoint_filename_with_path):
            return sess, False
        if checkpoint_filename_with_path:
            saver.restore(sess, checkpoint_filename_with_path)
            return sess, True
        waited = 0.0
        state = checkpoint_management.get_checkpoint_state(checkpoint_dir)
        while not state or not state.model_checkpoint_path:
            if wait_for_checkpoint and waited < max_wait_secs:
                _log.info("Waiting for checkpoint to be available.")
                time.sleep(self._recovery_wait_secs)
                waited += self._recovery_wait_secs
                state = checkpoint_management.get_checkpoint_state(checkpoint_dir)
            else:
                return sess, False
        saver.restore(sess, state.model_checkpoint_path)
        saver.recover_last_checkpoints(state.all_model_checkpoint_paths)
        return sess, True

    def prepare_session(
        self,
        master,
        init_op=None,
        saver=None,
        checkpoint_dir=None,
        checkpoint_filename_with_path=None,
        wait_for_checkpoint=False,
        max_wait_secs=7200,
        config=None,
        init_feed_dict=None,
        init_fn=None,
    ):
        """A session with the model restored from a checkpoint, or initialized by ``init_op``.

        RuntimeError if the model is still not ready afterwards (``ready_op`` reports names)."""
        sess, loaded = self._restore_checkpoint(
            master,
            saver,
            checkpoint_dir=checkpoint_dir,
            checkpoint_filename_with_path=checkpoint_filename_with_path,
            wait_for_checkpoint=wait_for_checkpoint,
            max_wait_secs=max_wait_secs,
            config=config,
        )
        if not loaded:
            if init_op is None and not init_fn and self._local_init_op is None:
                raise RuntimeError(
                    "Model is not initialized and no init_op or init_fn or local_init_op was given"
                )
            if init_op is not None:
                sess.run(init_op, feed_dict=init_feed_dict)
            if init_fn:
                init_fn(sess)
        ok, msg = self._try_run_local_init_op(sess)
        if not ok:
            raise RuntimeError(
                "Init operations did not make model ready for local_init.  Init op: "
                f"{_name_of(init_op)}, init fn: {init_fn}, error: {msg}"
            )
        ready, msg = self._model_ready(sess)
        if not ready:
            raise RuntimeError(
                f"Init operations did not make model ready.  Init op: {_name_of(init_op)}, "
                f"init fn: {init_fn}, local_init_op: {self._local_init_op}, error: {msg}"
            )
        return sess

    def recover_session(
        self,
        master,
        saver=None,
        checkpoint_dir=None,
        checkpoint_filename_with_path=None,
        wait_for_checkpoint=False,
        max_wait_secs=7200,
        config=None,
    ):
        """``(session, True)`` if a checkpoint made the model ready, else ``(session, False)``."""
        sess, loaded = self._restore_checkpoint(
            master,
            saver,
            checkpoint_dir=checkpoint_dir,
            checkpoint_filename_with_path=checkpoint_filename_with_path,
            wait_for_checkpoint=wait_for_checkpoint,
            max_wait_secs=max_wait_secs,
            config=config,
        )
        local_ok, msg = self._try_run_local_init_op(sess)
        if not loaded:
            return sess, False
        source = checkpoint_dir or checkpoint_filename_with_path
        if not local_ok:
            _log.info(
                "Restoring model from %s did not make model ready for local init: %s",
                source,
                msg,
            )
            return sess, False
        ready, msg = self._model_ready(sess)
        if not ready:
            _log.info("Restoring model from %s did not make model ready: %s", source, msg)
            return sess, False
        _log.info("Restored model from %s", source)
        return sess, True

    # -- the other workers ---------------------------------------------------------------------
    def wait_for_session(self, master, config=None, max_wait_secs=float("Inf")):
        """A session once the model is ready (another task initialized it), polling until then.

        Raises DeadlineExceededError when it is not ready within ``max_wait_secs``."""
        self._target = master
        if max_wait_secs is None:
            max_wait_secs = float("Inf")
        deadline = time.monotonic() + max_wait_secs
        pause = min(_FIRST_POLL_SECS, self._recovery_wait_secs)
        while True:
            sess = Session(self._target, graph=self._graph, config=config)
            not_ready_msg = None
            local_ok, not_ready_local_msg = self._try_run_local_init_op(sess)
            if local_ok:
                ready, not_ready_msg = self._model_ready(sess)
                if ready:
                    return sess
            self._safe_close(sess)
            if deadline - time.monotonic() - pause < 0:
                raise errors.DeadlineExceededError(
                    None, None, f"Session was not ready after waiting {int(max_wait_secs)} secs."
                )
            _log.info(
                "Waiting for model to be ready.  Ready_for_local_init_op:  %s, ready: %s",
                not_ready_local_msg,
                not_ready_msg,
            )
            time.sleep(pause)
            pause = min(pause * 2, self._recovery_wait_secs, _MAX_POLL_SECS)

    # -- readiness ----------------------------------------------------------------------------
    @staticmethod
    def _safe_close(sess):
        try:
            sess.close()
        except Exception:  # noqa: BLE001 - TF ignores a failed close of a discarded session
            pass

    def _model_ready(self, sess):
        return _ready(self._ready_op, sess, "Model not ready")

    def _model_ready_for_local_init(self, sess):
        return _ready(self._ready_for_local_init_op, sess, "Model not ready for local init")

    def _try_run_local_init_op(self, sess):
        if self._local_init_op is None:
            return True, None
        ready, msg = self._model_ready_for_local_init(sess)
        if not ready:
            return False, msg
        _log.info("Running local_init_op.")
        sess.run(
            self._local_init_op,
            feed_dict=self._local_init_feed_dict,
            options=self._local_init_run_options,
        )
        _log.info("Done running local_init_op.")
        return True, None


def _ready(op, sess, msg):
    """``(True, None)`` when ``op`` reports no uninitialized variable, else ``(False, why)``."""
    if op is None:
        return True, None
    try:
        value = sess.run(op)
    except errors.FailedPreconditionError as e:
        if "uninitialized" not in str(e):
            _log.warning("%s : error [%s]", msg, e)
            raise
        return False, str(e)
    value = np.asarray(value) if value is not None else None
    if value is None or value.dtype == np.int32 or value.size == 0:
        return True, None
    names = ", ".join(
        v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in value.reshape(-1)
    )
    return False, "Variables not initialized: " + names
