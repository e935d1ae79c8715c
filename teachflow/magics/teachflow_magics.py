"""``%teachflow``: a cluster and the views of what the last runs did, from a notebook cell.

A thin layer: each subcommand parses its arguments (``magic_arguments``' parser, so a
bad argument is a `UsageError`), calls the library and returns an object that draws
itself. Loaded with ``%load_ext teachflow``; ``%teachflow?`` lists the subcommands.

    >>> from IPython.testing.globalipapp import get_ipython
    >>> ip = get_ipython()
    >>> ip.run_line_magic("load_ext", "teachflow")
    >>> ip.run_line_magic("teachflow", "cluster start --in-process --workers 1")  # doctest: +ELLIPSIS
    Started a cluster of 2 in-process servers...
    >>> status = ip.run_line_magic("teachflow", "cluster status")
    >>> [t.state for t in status.tasks]
    ['up', 'up']
    >>> ip.run_line_magic("teachflow", "cluster stop")
    Stopped the cluster (2 tasks).
    >>> ip.run_line_magic("unload_ext", "teachflow")  # stops recording runs for %teachflow last
"""

from __future__ import annotations

import atexit
import json
import threading
import time

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class
from IPython.display import display
from traitlets import Bool, Float, Int, Unicode, observe

from teachflow.magics.arguments import HELP_SHOWN, build_parser, parse
from teachflow.magics.last_run import StepRecorder

__all__ = ["TeachflowMagics", "current_cluster"]

_current = [None]  # the cluster the magics started, for current_cluster()
# After a traced cell, remote events may still be on their way: wait until none came for
# _SETTLE_QUIET_S, at most _SETTLE_LIMIT_S.
_SETTLE_QUIET_S, _SETTLE_LIMIT_S, _SETTLE_POLL_S = 0.2, 2.0, 0.05


def current_cluster():
    """The cluster that ``%teachflow cluster start`` started and that still runs, or None.

    >>> current_cluster() is None
    True
    """
    return _current[0]


@magics_class
class TeachflowMagics(Magics):
    """The ``%teachflow`` magics and their options (``%config TeachflowMagics``)."""

    ps = Int(1, help="Parameter-server tasks of `%teachflow cluster start`.").tag(config=True)
    workers = Int(2, help="Worker tasks of `%teachflow cluster start`.").tag(config=True)
    simulated_gpus = Int(
        0, help="Simulated GPUs per worker when `cluster start` is given no --gpus."
    ).tag(config=True)
    gpu_profile = Unicode(
        "", help="Hardware profile of simulated GPUs (k80, p100, v100, a100, teaching)."
    ).tag(config=True)
    in_process = Bool(
        False, help="Start clusters as in-process servers instead of server processes."
    ).tag(config=True)
    trace = Bool(
        True,
        help="Record the events of the last runs for `%teachflow timeline` (costs each run "
        "an event per op; turn off to time runs).",
    ).tag(config=True)
    keep_steps = Int(5, help="Steps kept by the recorder and by `%%teachflow trace`.").tag(
        config=True
    )
    startup_timeout = Float(60.0, help="Seconds a cluster may take to start.").tag(config=True)
    status_timeout = Float(2.0, help="Seconds each task may take to answer `status`.").tag(
        config=True
    )
    cluster_name = Unicode("cluster", help="The notebook variable that holds the cluster.").tag(
        config=True
    )

    def __init__(self, shell=None, **kwargs):
        super().__init__(shell=shell, **kwargs)
        self.parser = build_parser()
        self.cluster = None
        self.last_trace = None  # the LiveTimeline of the last %%teachflow trace cell
        self.tensorboards = []  # TensorBoardProcess objects of %teachflow tensorboard
        self.recorder = StepRecorder(self.keep_steps)
        if self.trace:
            self.recorder.start()
        atexit.register(self.close)

    def close(self) -> None:
        """Stop the cluster and the recorder: at kernel shutdown and on unload."""
        self.recorder.stop()
        self._stop_cluster()
        self._stop_tensorboards()

    @observe("trace")
    def _trace_changed(self, change) -> None:
        if change["new"]:
            self.recorder.start()
            if self._process_cluster() is not None:
                self.recorder.follow(self.cluster)
        else:
            self.recorder.stop()

    @observe("keep_steps")
    def _keep_steps_changed(self, change) -> None:
        if change["new"] < 1:
            raise UsageError(f"TeachflowMagics.keep_steps must be >= 1, got {change['new']}")
        self.recorder.keep_steps = change["new"]

    # -- the magic ------------------------------------------------------------------------
    @line_cell_magic
    def teachflow(self, line, cell=None):
        """teachflow in a notebook: a cluster, and views of what the last runs did.

        %teachflow cluster start [--ps N] [--workers N] [--gpus N] [--simulated]
                                 [--gpu-profile NAME] [--in-process]
            Start a cluster: one server process per task (--in-process: tf.train.Server
            objects inside this kernel); --gpus N GPUs per worker, simulated with
            --simulated. Prints the ClusterSpec and each task's target, draws the
            cluster and stores it as `cluster` (also teachflow.magics.current_cluster()).
            It is stopped with `%teachflow cluster stop` or when the kernel shuts down.
        %teachflow cluster status [--timeout S]
            Every task: address, up/down, devices, variables and queues it holds.
        %teachflow cluster stop
        %teachflow graph [--color-by device|task|op] [--collapse SCOPE] [--edge-labels]
            The default graph, each node coloured by the device the last run put it on.
        %teachflow placement [--filter TEXT]
            The last run's placement: node, op, requested device, device and why.
        %teachflow timeline [--steps N] [--on | --off]
            The last run's timeline (the last N steps). Runs are recorded while tracing
            is on (the default); --on/--off switch it, as TeachflowMagics.trace does.
        %teachflow tensorboard LOGDIR [--port N] | --stop
            Start TensorBoard on LOGDIR (127.0.0.1, a free port) and show it here; it
            stops with the kernel or with `%teachflow tensorboard --stop`.
        %%teachflow trace [--keep-steps N]
            Run the cell with a live timeline attached to every session run in it: local
            sessions, and every task of a cluster started here.

        Every subcommand takes --help (`%teachflow cluster start --help`): its usage and
        options.

        Options, set with `%config TeachflowMagics.<name> = value`: ps, workers (cluster
        start's defaults), simulated_gpus and gpu_profile (simulated GPUs per worker when
        --gpus is not given), in_process, trace, keep_steps, startup_timeout,
        status_timeout, cluster_name. `%config TeachflowMagics` describes each.
        """
        args = parse(line, self.parser)
        if args is HELP_SHOWN:
            return None
        if args.command == "trace":
            if cell is None:
                raise UsageError("trace is a cell magic: put %%teachflow trace atop a cell")
            return self._trace_cell(args, cell)
        if cell is not None:
            raise UsageError(f"%%teachflow {args.command} takes no cell; use %teachflow")
        if args.command == "cluster":
            return getattr(self, f"_cluster_{args.action}")(args)
        return getattr(self, f"_{args.command}")(args)

    # -- tensorboard ----------------------------------------------------------------------
    def _tensorboard(self, args):
        from teachflow.viz.tensorboard_launcher import start_tensorboard

        if args.stop:
            print(f"Stopped {_count(self._stop_tensorboards(), 'TensorBoard server')}.")
            return None
        if args.logdir is None:
            raise UsageError("%teachflow tensorboard needs a LOGDIR (or --stop)")
        try:
            board = start_tensorboard(args.logdir, port=args.port, timeout=self.startup_timeout)
        except FileNotFoundError as e:
            raise UsageError(str(e)) from None
        self.tensorboards.append(board)
        return board

    def _stop_tensorboards(self) -> int:
        boards, self.tensorboards = self.tensorboards, []
        for board in boards:
            board.stop()
        return len(boards)

    # -- cluster --------------------------------------------------------------------------
    def _cluster_start(self, args):
        old = self.cluster
        if old is not None and any(s == "running" for s in old.status().values()):
            raise UsageError(
                f"A cluster is already running ({', '.join(old.targets)}): "
                "%teachflow cluster stop it first"
            )
        self._stop_cluster()
        ps = self.ps if args.ps is None else args.ps
        workers = self.workers if args.workers is None else args.workers
        gpus, simulated = args.gpus, args.simulated
        if gpus is None:  # the configured default is simulated GPUs
            gpus, simulated = self.simulated_gpus, True
        if args.simulated and args.gpus is None and not gpus:
            raise UsageError("--simulated simulates the --gpus GPUs: give --gpus N too")
        profile = args.gpu_profile or self.gpu_profile or None
        in_process = args.in_process or self.in_process
        cluster = self._make_cluster(in_process, ps, workers, gpus, simulated, profile)
        self.cluster = _current[0] = cluster
        self.shell.user_ns[self.cluster_name] = cluster
        n = len(cluster.targets)
        kind = ("in-process server" if in_process else "server process") + (
            "" if n == 1 else ("s" if in_process else "es")
        )
        jobs = ", ".join(f"{j}: {len(cluster.spec.task_indices(j))}" for j in cluster.spec.jobs)
        print(f"Started a cluster of {n} {kind} ({jobs}) as `{self.cluster_name}`")
        print("ClusterSpec:", json.dumps(cluster.spec.as_dict()))
        width = max(len(n) for n in cluster.targets)
        for name, target in cluster.targets.items():
            print(f"  {name.ljust(width)}  {target}")
        print(
            f'Open a session on a worker: tf.Session({self.cluster_name}.target("worker", 0))'
            if workers
            else f'Open a session: tf.Session({self.cluster_name}.target("ps", 0))'
        )
        if self.trace and not in_process:
            self.recorder.follow(cluster)
        from teachflow.viz import show_cluster

        display(show_cluster(cluster))

    def _make_cluster(self, in_process, ps, workers, gpus, simulated, profile):
        from teachflow.sim.profiles import get_profile

        try:
            get_profile(profile)
            if in_process:
                from teachflow.magics.in_process import InProcessCluster

                return InProcessCluster(ps, workers, gpus, simulated, profile)
            from teachflow.cluster import LocalCluster

            return LocalCluster(
                ps=ps,
                workers=workers,
                gpus_per_task=gpus,
                simulated=simulated,
                gpu_profile=profile,
                startup_timeout=self.startup_timeout,
            )
        except ValueError as e:
            raise UsageError(str(e).replace("use simulated=True", "add --simulated")) from None

    def _cluster_status(self, args):
        from teachflow.magics.cluster_status import cluster_status

        if self.cluster is None:
            raise UsageError("No cluster is running: start one with %teachflow cluster start")
        timeout = self.status_timeout if args.timeout is None else args.timeout
        return cluster_status(self.cluster, timeout=timeout)

    def _cluster_stop(self, args):
        n = len(self.cluster.targets) if self.cluster is not None else 0
        if not self._stop_cluster():
            print("No cluster is running.")
            return
        print(f"Stopped the cluster ({_count(n, 'task')}).")

    def _stop_cluster(self) -> bool:
        cluster, self.cluster = self.cluster, None
        if cluster is None:
            return False
        if _current[0] is cluster:
            _current[0] = None
        self.recorder.unfollow()
        cluster.stop()
        ns = getattr(self.shell, "user_ns", None)
        if ns is not None and ns.get(self.cluster_name) is cluster:
            del ns[self.cluster_name]
        return True

    def _process_cluster(self):
        """The running cluster when its tasks are other processes (their events stream)."""
        from teachflow.magics.in_process import InProcessCluster

        c = self.cluster
        return c if c is not None and not isinstance(c, InProcessCluster) else None

    # -- views of the last run ------------------------------------------------------------
    def _graph(self, args):
        from teachflow.framework.graph import get_default_graph
        from teachflow.viz import show_graph

        graph = get_default_graph()
        if not graph.get_operations():
            print(
                "The default graph has no operations yet: build some (x = tf.constant(1.0) "
                "* 2.0), then %teachflow graph."
            )
            return None
        session, run_metadata = self._last_local_session(), None
        if session is not None and session.graph is not graph:
            session = None
        if session is None:
            run_metadata = self._recorded_run_metadata()
        return show_graph(
            graph,
            color_by=args.color_by,
            session=session,
            run_metadata=run_metadata,
            collapse=args.collapse,
            edge_labels=args.edge_labels,
            engine=args.engine,
        )

    def _placement(self, args):
        from teachflow.runtime.session import last_session
        from teachflow.viz import show_placement

        session = last_session()
        if session is None:
            raise UsageError("No session has run yet: run one, then %teachflow placement")
        # A remote session's master reports why it placed each node with every step.
        return show_placement(session, filter=args.filter)

    def _timeline(self, args):
        if args.on or args.off:
            self.trace = bool(args.on)
            print(
                "Tracing on: the next runs are recorded for %teachflow timeline."
                if self.trace
                else "Tracing off: runs are no longer recorded."
            )
            return None
        if args.steps < 1:
            raise UsageError(f"--steps must be >= 1, got {args.steps}")
        events = self.recorder.last_steps(args.steps)
        if not events:
            raise UsageError(
                "No run recorded yet: run a session, then %teachflow timeline"
                if self.trace
                else "Tracing is off: %teachflow timeline --on, run a session, then "
                "%teachflow timeline"
            )
        import matplotlib.pyplot as plt

        from teachflow.viz import plot_timeline

        session = self._last_local_session()
        try:
            fig = plot_timeline(events, graph=session.graph if session is not None else None)
        except ValueError as e:
            raise UsageError(f"The last run cannot be drawn: {e}") from None
        # Returned (shown once as the cell's result), not left to pyplot to show again.
        plt.close(fig)
        return fig

    def _last_local_session(self):
        from teachflow.runtime.session import last_session

        session = last_session()
        return session if session is not None and not session.sess_str else None

    def _recorded_run_metadata(self):
        """The last recorded step as a ``RunMetadata`` with step stats, or None."""
        from teachflow.runtime.config import RunMetadata
        from teachflow.runtime.step_stats import build_step_stats

        events = self.recorder.last_steps(1)
        if not any(e.kind == "op" for e in events):
            return None
        # Recorded times are this process's perf_counter (remote ones moved onto it).
        offset = time.time_ns() - time.perf_counter_ns()
        return RunMetadata(step_stats=build_step_stats(events, [], offset))

    # -- %%teachflow trace ------------------------------------------------------------------
    def _trace_cell(self, args, cell):
        from teachflow.viz import LiveTimeline

        keep = self.keep_steps if args.keep_steps is None else args.keep_steps
        if keep < 1:
            raise UsageError(f"--keep-steps must be >= 1, got {keep}")
        timeline = LiveTimeline(keep_steps=keep)
        self.last_trace = timeline
        # A notebook shows the widget before the cell runs, and it fills in as ops run; a
        # terminal cannot draw it, so it gets a summary in words once the cell is done.
        live = _has_widget_front_end(self.shell)
        if live:
            display(timeline)
        remote = self._process_cluster()
        timeline.attach()
        try:
            if remote is not None:
                timeline.attach_cluster(remote)
            self.shell.run_cell(cell, store_history=False)
        finally:
            if remote is not None:
                _settle(timeline)
            timeline.detach()
            if not live:
                print(trace_summary(timeline))


def _has_widget_front_end(shell) -> bool:
    """Whether the shell is a kernel's (a notebook, JupyterLab), which can show widgets;
    a terminal IPython has no kernel."""
    return getattr(shell, "kernel", None) is not None


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def trace_summary(timeline) -> str:
    """What a ``%%teachflow trace`` cell recorded, in words (for a terminal).

    >>> from teachflow.viz import LiveTimeline
    >>> trace_summary(LiveTimeline())
    'Traced no session run: the cell ran no step.'
    """
    timeline.flush()
    events = timeline.events
    steps = list(timeline.steps)
    if not steps:
        return "Traced no session run: the cell ran no step."
    ops = sum(1 for e in events if e["kind"] == "op")
    moves = len(events) - ops
    return (
        f"Traced {_count(len(steps), 'step')} ({', '.join(map(str, timeline.numbers))}): "
        f"{_count(ops, 'op')} and {_count(moves, 'transfer')} on "
        f"{_count(len(timeline.devices), 'device')}. "
        f"%teachflow timeline --steps {len(steps)} draws them."
    )


def _settle(timeline) -> None:
    """Wait, bounded, until the cluster's events of the cell's last runs have arrived."""
    deadline = time.monotonic() + _SETTLE_LIMIT_S
    seen, quiet_since = -1, time.monotonic()
    wait = threading.Event()
    while time.monotonic() < deadline:
        timeline.flush()
        n = len(timeline.events)
        now = time.monotonic()
        if n != seen:
            seen, quiet_since = n, now
        elif now - quiet_since >= _SETTLE_QUIET_S:
            return
        wait.wait(_SETTLE_POLL_S)
