"""``tf.train.Scaffold`` and the session creators a ``MonitoredSession`` uses.

A `Scaffold` gathers the ops that make a model ready to train — ``init_op`` (initialize the
global variables and shared resources), ``ready_op`` (``report_uninitialized_variables`` and
``report_uninitialized_resources``: what is not initialized yet), ``local_init_op`` (local
variables, tables, local resources), ``summary_op`` (``tf.summary.merge_all()``) and a
``Saver`` — creating TensorFlow's defaults for those not given, and then *finalizes the
graph*: from then on adding an op raises RuntimeError "Graph is finalized and cannot be
modified.", which catches the classic mistake of building ops inside the training loop.

A `ChiefSessionCreator` restores the newest checkpoint or runs ``init_op``; a
`WorkerSessionCreator` waits until the chief has done so (see `tf.train.SessionManager`).

    >>> import teachflow as tf
    >>> with tf.Graph().as_default() as g:
    ...     v = tf.Variable(2.0, name="v")
    ...     loss = tf.summary.scalar("loss", v)
    ...     scaffold = tf.train.Scaffold().finalize()
    ...     print(scaffold.ready_op.op.type, scaffold.summary_op.op.type, g.finalized)
    ConcatV2 MergeSummary True
"""

from __future__ import annotations

import logging

from teachflow.framework.graph import GraphKeys, get_default_graph
from teachflow.ops import lookup_ops, resources, summary_ops, variables
from teachflow.ops.array_ops import concat
from teachflow.ops.control_flow_ops import group
from teachflow.train import session_manager
from teachflow.train.saver import _get_saver_or_default

__all__ = ["ChiefSessionCreator", "Scaffold", "SessionCreator", "WorkerSessionCreator"]

_log = logging.getLogger("tensorflow")

READY_FOR_LOCAL_INIT_OP = GraphKeys.READY_FOR_LOCAL_INIT_OP


class Scaffold:
    """The init, ready and local-init ops and the saver of a monitored session.

    ``init_fn(scaffold, session)`` runs after ``init_op`` when no checkpoint was restored.
    ``summary_op`` defaults to ``tf.summary.merge_all()`` (None in a graph without summaries),
    which the `SummarySaverHook` of ``MonitoredTrainingSession`` runs."""

    def __init__(
        self,
        init_op=None,
        init_feed_dict=None,
        init_fn=None,
        ready_op=None,
        ready_for_local_init_op=None,
        local_init_op=None,
        summary_op=None,
        saver=None,
        copy_from_scaffold=None,
        local_init_feed_dict=None,
    ):
        if copy_from_scaffold is not None:
            if not isinstance(copy_from_scaffold, Scaffold):
                raise TypeError("copy_from_scaffold is not a Scaffold instance.")

            def coalesce(a, b):
                return a if a is not None else b

            src = copy_from_scaffold
            init_op = coalesce(init_op, src.init_op)
            init_feed_dict = coalesce(init_feed_dict, src.init_feed_dict)
            init_fn = coalesce(init_fn, src._user_init_fn)
            ready_op = coalesce(ready_op, src.ready_op)
            ready_for_local_init_op = coalesce(ready_for_local_init_op, src.ready_for_local_init_op)
            local_init_op = coalesce(local_init_op, src.local_init_op)
            local_init_feed_dict = coalesce(local_init_feed_dict, src.local_init_feed_dict)
            summary_op = coalesce(summary_op, src.summary_op)
            saver = coalesce(saver, src.saver)
        self._user_init_fn = init_fn
        self._init_fn = (lambda sess: init_fn(self, sess)) if init_fn else None
        self._init_op = init_op
        self._init_feed_dict = init_feed_dict
        self._ready_op = ready_op
        self._ready_for_local_init_op = ready_for_local_init_op
        self._local_init_op = local_init_op
        self._local_init_feed_dict = local_init_feed_dict
        self._summary_op = summary_op
        self._saver = saver

    def finalize(self) -> Scaffold:
        """Create the missing ops (TF's defaults), build the saver, finalize the graph."""
        if self._init_op is None:

            def default_init_op():
                return group(
                    variables.global_variables_initializer(),
                    resources.initialize_resources(resources.shared_resources()),
                    get_default_graph().get_collection("saved_model_initializers"),
                )

            self._init_op = Scaffold.get_or_default("init_op", GraphKeys.INIT_OP, default_init_op)
        if self._ready_op is None:

            def default_ready_op():
                return concat(
                    [
                        variables.report_uninitialized_variables(),
                        resources.report_uninitialized_resources(),
                    ],
                    0,
                )

            self._ready_op = Scaffold.get_or_default(
                "ready_op", GraphKeys.READY_OP, default_ready_op
            )
        if self._ready_for_local_init_op is None:

            def default_ready_for_local_init_op():
                # Only what the chief shares: local variables are this session's own job.
                return concat(
                    [
                        variables.report_uninitialized_variables(variables.global_variables()),
                        resources.report_uninitialized_resources(resources.shared_resources()),
                    ],
                    0,
                )

            self._ready_for_local_init_op = Scaffold.get_or_default(
                "ready_for_local_init_op",
                GraphKeys.READY_FOR_LOCAL_INIT_OP,
                default_ready_for_local_init_op,
            )
        if self._local_init_op is None:
            self._local_init_op = Scaffold.get_or_default(
                "local_init_op", GraphKeys.LOCAL_INIT_OP, Scaffold.default_local_init_op
            )
        if self._summary_op is None:
            # None when the graph has no summaries: a SummarySaverHook then writes none.
            self._summary_op = Scaffold.get_or_default(
                "summary_op", GraphKeys.SUMMARY_OP, summary_ops.merge_all
            )
        if self._saver is None:
            self._saver = _get_saver_or_default()
        self._saver.build()
        get_default_graph().finalize()
        _log.info("Graph was finalized.")
        return self

    init_fn = property(lambda self: self._init_fn)
    init_op = property(lambda self: self._init_op)
    init_feed_dict = property(lambda self: self._init_feed_dict)
    ready_op = property(lambda self: self._ready_op)
    ready_for_local_init_op = property(lambda self: self._ready_for_local_init_op)
    local_init_op = property(lambda self: self._local_init_op)
    local_init_feed_dict = property(lambda self: self._local_init_feed_dict)
    summary_op = property(lambda self: self._summary_op)
    saver = property(lambda self: self._saver)

    @staticmethod
    def get_or_default(arg_name, collection_key, default_constructor):
        """The collection's one element, else ``default_constructor()`` (added to it)."""
        elements = get_default_graph().get_collection(collection_key)
        if elements:
            if len(elements) > 1:
                raise RuntimeError(
                    f'More than one item in the collection "{collection_key}". Please indicate '
                    "which one to use by passing it to the tf.Scaffold constructor as:  "
                    f"tf.Scaffold({arg_name}=item to use)"
                )
            return elements[0]
        op = default_constructor()
        if op is not None:
            get_default_graph().add_to_collection(collection_key, op)
        return op

    @staticmethod
    def default_local_init_op():
        """Initialize the local variables (epoch counters of input producers...), the lookup
        tables and the session-local resources."""
        return group(
            variables.local_variables_initializer(),
            lookup_ops.tables_initializer(),
            resources.initialize_resources(resources.local_resources()),
        )


class SessionCreator:
    """Something that makes a ready ``tf.Session``: ``create_session()``."""

    def create_session(self):
        raise TypeError(f"{type(self).__name__} must define create_session()")


class _ManagedSessionCreator(SessionCreator):
    def __init__(self, scaffold, master, config):
        self._scaffold = scaffold or Scaffold()
        self._master = master
        self._config = config
        self._session_manager = None

    def _get_session_manager(self):
        if self._session_manager is None:
            self._session_manager = session_manager.SessionManager(
                local_init_op=self._scaffold.local_init_op,
                local_init_feed_dict=self._scaffold.local_init_feed_dict,
                ready_op=self._scaffold.ready_op,
                ready_for_local_init_op=self._scaffold.ready_for_local_init_op,
                graph=get_default_graph(),
            )
        return self._session_manager


class ChiefSessionCreator(_ManagedSessionCreator):
    """The chief: restore from ``checkpoint_dir`` (or a given file) or initialize."""

    def __init__(
        self,
        scaffold=None,
        master="",
        config=None,
        checkpoint_dir=None,
        checkpoint_filename_with_path=None,
    ):
        super().__init__(scaffold, master, config)
        self._checkpoint_dir = checkpoint_dir
        self._checkpoint_filename_with_path = checkpoint_filename_with_path

    def create_session(self):
        self._scaffold.finalize()
        return self._get_session_manager().prepare_session(
            self._master,
            saver=self._scaffold.saver,
            checkpoint_dir=self._checkpoint_dir,
            checkpoint_filename_with_path=self._checkpoint_filename_with_path,
            config=self._config,
            init_op=self._scaffold.init_op,
            init_feed_dict=self._scaffold.init_feed_dict,
            init_fn=self._scaffold.init_fn,
        )


class WorkerSessionCreator(_ManagedSessionCreator):
    """A non-chief worker: wait (at most ``max_wait_secs``) until the chief initialized."""

    def __init__(self, scaffold=None, master="", config=None, max_wait_secs=30 * 60):
        super().__init__(scaffold, master, config)
        self._max_wait_secs = max_wait_secs

    def create_session(self):
        self._scaffold.finalize()
        return self._get_session_manager().wait_for_session(
            self._master, config=self._config, max_wait_secs=self._max_wait_secs
        )
