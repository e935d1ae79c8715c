"""Start, watch and stop a cluster of local server processes: `LocalCluster`.

The chapter's cluster is a set of *processes*, one per task, each running
``tf.train.Server(cluster, job_name, task_index).join()``. `LocalCluster` starts exactly
that on this machine: one ``teachflow server`` process per task, on ports the operating
system hands out, and waits until every task answers gRPC's standard health check.

    >>> import teachflow as tf
    >>> from teachflow.cluster import LocalCluster
    >>> with LocalCluster(ps=1, workers=2) as cluster:
    ...     with tf.Session(cluster.target("worker", 0)) as sess:
    ...         print(sess.run(tf.constant(1.0) * 3))
    3.0

A task can be killed and restarted on the same port (``kill``/``restart``) to watch what a
cluster does when a machine fails. The processes never outlive this one: `stop()` ends
them (also at interpreter exit), and each child stops itself when its parent dies.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from teachflow.distributed import tf_engine
from teachflow.distributed.cluster import ClusterSpec
from teachflow.distributed.ports import free_port, free_ports
from teachflow.distributed.worker_client import auth_metadata
from teachflow.runtime.config import ConfigProto, GPUOptions, GraphOptions

__all__ = ["LocalCluster", "config_from_json", "config_to_json", "free_port"]

# `teachflow server` exits with this code when its port is already taken, so that a
# launcher can tell "pick another port" apart from a real failure.
EXIT_PORT_IN_USE = 3

_LOG_TAIL_LINES = 20
# How long a task has to stop cleanly after SIGTERM before SIGKILL: a server's stop takes
# well under a second, but a laptop busy with a test suite once took more than 5 s.
_STOP_TIMEOUT_S = 10.0
# A task that is still starting refuses connections; gRPC's default reconnect backoff
# (1 s, growing) would make every health check wait that long, so retry quickly instead.
_HEALTH_CHANNEL_OPTIONS = [
    ("grpc.initial_reconnect_backoff_ms", 50),
    ("grpc.min_reconnect_backoff_ms", 50),
    ("grpc.max_reconnect_backoff_ms", 250),
]
_HEALTH_POLL_S = 0.25


# -- a ConfigProto crosses to a task process as JSON (never pickled) --------------------------
_SUBMESSAGES = {"gpu_options": GPUOptions, "graph_options": GraphOptions}


def _message_fields(message) -> dict:
    out = {}
    for k, v in vars(message).items():
        default = message._defaults[k]
        if v == (default() if callable(default) else default):
            continue
        out[k] = _message_fields(v) if hasattr(v, "_defaults") else v
    return out


def config_to_json(config: ConfigProto) -> str:
    """The fields of ``config`` that differ from their defaults, as JSON text.

    >>> import teachflow as tf
    >>> config_to_json(tf.ConfigProto(device_count={"CPU": 2}))
    '{"device_count": {"CPU": 2}}'
    """
    return json.dumps(_message_fields(config), sort_keys=True)


def config_from_json(text: str) -> ConfigProto:
    """The `ConfigProto` that `config_to_json` wrote.

    Raises ValueError for text that is not a JSON object of ConfigProto fields.
    """
    fields = json.loads(text)
    if not isinstance(fields, dict):
        raise ValueError(f"A config must be a JSON object of ConfigProto fields, got {text!r}")
    for name, cls in _SUBMESSAGES.items():
        if isinstance(fields.get(name), dict):
            fields[name] = cls(**fields[name])
    return ConfigProto(**fields)


# -- one task: its process and its log ----------------------------------------------------------
@dataclass
class _Task:
    job: str
    index: int
    log_path: str
    address: str = ""
    env: dict = field(default_factory=dict)
    process: subprocess.Popen | None = None
    engine: str = "teachflow"  # or "tensorflow": a real tf.distribute.Server (tf_engine)

    @property
    def name(self) -> str:
        return f"/job:{self.job}/replica:0/task:{self.index}"

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def status(self) -> str:
        if self.process is None:
            return "not started"
        rc = self.process.poll()
        if rc is None:
            return "running"
        if rc < 0:
            try:
                return f"killed by {signal.Signals(-rc).name}"
            except ValueError:
                return f"killed by signal {-rc}"
        return f"exited with code {rc}"

    def log_tail(self, n=_LOG_TAIL_LINES) -> str:
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                lines = f.read().splitlines()[-n:]
        except OSError:
            return "    (no log)"
        return "\n".join("    " + line for line in lines) or "    (empty log)"


class _PortTakenError(Exception):
    pass


_LIVE: set = set()  # clusters to stop at interpreter exit
_LIVE_LOCK = threading.Lock()


def _stop_live_clusters():
    with _LIVE_LOCK:
        clusters = list(_LIVE)
    for c in clusters:
        c.stop()


atexit.register(_stop_live_clusters)


def in_notebook_kernel() -> bool:
    """Whether this process is a Jupyter kernel (not merely a process that imported ipykernel,
    as a test run or a widget library may)."""
    kernelapp = sys.modules.get("ipykernel.kernelapp")
    return kernelapp is not None and kernelapp.IPKernelApp.initialized()


class LocalCluster:
    """A cluster of ``ps`` parameter-server and ``workers`` worker processes on this machine.

    Args:
      ps, workers: how many tasks each job has (a job with 0 tasks is left out).
      gpus_per_task: GPUs for every worker task. With ``simulated=True`` each worker gets
        that many simulated GPUs (``TEACHFLOW_SIMULATED_GPUS``); otherwise each worker gets
        its own slice of the real GPUs through ``CUDA_VISIBLE_DEVICES``. A ps task never has
        a GPU (``CUDA_VISIBLE_DEVICES=""``), as in the chapter's figure. 0: no task has one.
      simulated: simulated or real GPUs, see above.
      config: a `ConfigProto` every server is created with (sent as JSON).
      host: the host name in the cluster's addresses.
      startup_timeout: seconds to wait for every task to become healthy.
      gpu_profile: the simulated GPUs' hardware profile (``teachflow.sim.profiles``).
      log_dir: where the per-task logs go; default a temporary folder removed by `stop()`.
      start: start the processes now (otherwise on ``start()`` or ``with``).
      file_root: the directory the tasks' file ops are confined to (`Server`'s
        ``file_root``); "auto" (the default): the working directory when started from a
        notebook (a Jupyter kernel), no limit otherwise; None: no limit.
      session_gc_seconds, max_message_bytes: passed to every `Server` (None: its default).
      engine: "teachflow" (default), "tensorflow" (real ``tf.distribute.Server`` processes,
        run by the Python that has TensorFlow, see `tf_engine`), or a dict by job or
        ``(job, index)``: ``{"ps": "teachflow", "worker": "tensorflow"}``. TensorFlow tasks
        get ``config``'s TensorFlow fields; the teachflow-only options do not apply to them.

    Raises:
      RuntimeError: if a task exits or is not healthy within ``startup_timeout``; the
        message names the task, its address and the last lines of its log.
      ValueError: for negative task counts, or more real GPUs than this machine has.
      ImportError: for TensorFlow tasks when no Python here has TensorFlow.

        >>> import teachflow as tf
        >>> from teachflow.cluster import LocalCluster
        >>> cluster = LocalCluster(ps=1, workers=1)
        >>> cluster.spec.jobs, cluster.alive()
        (['ps', 'worker'], True)
        >>> cluster.stop()
    """

    def __init__(
        self,
        ps=1,
        workers=2,
        gpus_per_task=0,
        simulated=True,
        config=None,
        host="localhost",
        startup_timeout=60.0,
        gpu_profile=None,
        log_dir=None,
        start=True,
        file_root="auto",
        session_gc_seconds=None,
        max_message_bytes=None,
        engine="teachflow",
    ):
        if ps < 0 or workers < 0 or ps + workers == 0:
            raise ValueError(f"A cluster needs at least one task, got ps={ps}, workers={workers}")
        if gpus_per_task < 0:
            raise ValueError(f"gpus_per_task must be >= 0, got {gpus_per_task}")
        self.host = host
        self.startup_timeout = float(startup_timeout)
        self._config_json = config_to_json(config) if config is not None else None
        if file_root == "auto":
            file_root = os.getcwd() if in_notebook_kernel() else None
        self.file_root = os.path.realpath(file_root) if file_root is not None else None
        self._server_flags = []
        if self.file_root is not None:
            self._server_flags += ["--file-root", self.file_root]
        if session_gc_seconds is not None:
            self._server_flags += ["--session-gc-seconds", repr(float(session_gc_seconds))]
        if max_message_bytes is not None:
            self._server_flags += ["--max-message-mb", repr(max_message_bytes / (1 << 20))]
        self._own_log_dir = log_dir is None
        self._log_dir = log_dir or tempfile.mkdtemp(prefix="teachflow-cluster-")
        os.makedirs(self._log_dir, exist_ok=True)
        self._lock = threading.RLock()
        self._tasks = {}
        for job, count in (("ps", ps), ("worker", workers)):
            for i in range(count):
                log = os.path.join(self._log_dir, f"{job}-{i}.log")
                self._tasks[(job, i)] = _Task(job, i, log)
        try:
            self._set_engines(engine, gpus_per_task and simulated)
            self._set_gpu_environments(gpus_per_task, simulated, gpu_profile)
        except (ValueError, ImportError):
            if self._own_log_dir:
                shutil.rmtree(self._log_dir, ignore_errors=True)
            raise
        self._started = False
        self._stopped = False
        if start:
            self.start()

    # -- environments ------------------------------------------------------------------------
    def _set_engines(self, engine, simulated_gpus):
        for key, name in tf_engine.task_engines(engine, list(self._tasks)).items():
            self._tasks[key].engine = name
        tf_tasks = [t for t in self._tasks.values() if t.engine == "tensorflow"]
        if simulated_gpus and any(t.job != "ps" for t in tf_tasks):
            raise ValueError("Simulated GPUs exist only in teachflow tasks: use simulated=False")
        self._tf_python = tf_engine.tensorflow_python() if tf_tasks else None

    def _set_gpu_environments(self, gpus_per_task, simulated, gpu_profile):
        base = dict(os.environ)
        # The children import the same teachflow as this process, installed or not.
        package_root = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
        base["PYTHONPATH"] = os.pathsep.join(
            p for p in (package_root, base.get("PYTHONPATH", "")) if p
        )
        base["PYTHONUNBUFFERED"] = "1"
        base.pop("TEACHFLOW_SIMULATED_GPUS", None)
        real_ids = []
        if gpus_per_task and not simulated:
            real_ids = _real_gpu_ids()
            needed = gpus_per_task * sum(1 for job, _ in self._tasks if job != "ps")
            if needed > len(real_ids):
                raise ValueError(
                    f"{needed} real GPUs needed ({gpus_per_task} per worker) but this machine "
                    f"has {len(real_ids)}; use simulated=True to simulate them"
                )
        n_worker = 0
        for (job, _), task in self._tasks.items():
            env = dict(base)
            if job == "ps" or not gpus_per_task:
                env["CUDA_VISIBLE_DEVICES"] = ""
            elif simulated:
                env.pop("CUDA_VISIBLE_DEVICES", None)
                env["TEACHFLOW_SIMULATED_GPUS"] = str(gpus_per_task)
                if gpu_profile:
                    env["TEACHFLOW_SIMULATED_GPU_PROFILE"] = gpu_profile
            else:
                mine = real_ids[n_worker * gpus_per_task : (n_worker + 1) * gpus_per_task]
                env["CUDA_VISIBLE_DEVICES"] = ",".join(mine)
            if job != "ps":
                n_worker += 1
            task.env = tf_engine.server_environment(env) if task.engine == "tensorflow" else env

    # -- the cluster, as clients see it ---------------------------------------------------------
    @property
    def spec(self) -> ClusterSpec:
        """The `ClusterSpec` every task was started with."""
        jobs = {}
        for (job, _), task in self._tasks.items():
            jobs.setdefault(job, []).append(task.address)
        return ClusterSpec(jobs)

    @property
    def targets(self) -> dict:
        """``{"/job:worker/replica:0/task:0": "grpc://localhost:port", ...}``."""
        return {t.name: f"grpc://{t.address}" for t in self._tasks.values()}

    def target(self, job="worker", index=0) -> str:
        """The session target of one task: ``tf.Session(cluster.target("worker", 0))``."""
        return f"grpc://{self._task(job, index).address}"

    def engine(self, job, index=0) -> str:
        """The engine one task runs: "teachflow" or "tensorflow"."""
        return self._task(job, index).engine

    def log_path(self, job, index) -> str:
        """The file that one task's stdout and stderr go to."""
        return self._task(job, index).log_path

    def pid(self, job, index) -> int | None:
        """The process id of one task (None before it starts)."""
        p = self._task(job, index).process
        return p.pid if p is not None else None

    def alive(self, job=None, index=None) -> bool:
        """Whether one task's process runs; without arguments, whether every task's does."""
        if job is not None:
            return self._task(job, index or 0).running()
        return all(t.running() for t in self._tasks.values())

    def status(self) -> dict:
        """``{task name: "running" | "exited with code N" | "killed by SIGKILL" | ...}``."""
        return {t.name: t.status() for t in self._tasks.values()}

    def _task(self, job, index) -> _Task:
        try:
            return self._tasks[(job, int(index))]
        except KeyError:
            raise ValueError(
                f"No task /job:{job}/task:{index} in this cluster (tasks: {list(self.targets)})"
            ) from None

    # -- life cycle -----------------------------------------------------------------------------
    def start(self) -> LocalCluster:
        """Start every task and wait until all are healthy; retried once on a taken port."""
        with self._lock:
            if self._stopped:
                raise RuntimeError("A stopped LocalCluster cannot be started again.")
            if self._started:
                return self
            with _LIVE_LOCK:
                _LIVE.add(self)
            tasks = list(self._tasks.values())
            try:
                for attempt in (1, 2):
                    bind_host = "127.0.0.1" if _is_loopback(self.host) else ""
                    for task, port in zip(tasks, free_ports(len(tasks), bind_host)):
                        task.address = f"{self.host}:{port}"
                    for task in tasks:
                        self._spawn(task)
                    try:
                        self._wait_healthy(tasks)
                        break
                    except _PortTakenError as e:
                        self._terminate(tasks)
                        if attempt == 2:
                            raise RuntimeError(f"LocalCluster: {e}") from None
            except BaseException:
                self.stop()
                raise
            self._started = True
        return self

    def stop(self) -> None:
        """Stop every task: SIGTERM, a bounded wait, then SIGKILL. Safe to call twice."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
            self._terminate(list(self._tasks.values()))
            with _LIVE_LOCK:
                _LIVE.discard(self)
            if self._own_log_dir:
                shutil.rmtree(self._log_dir, ignore_errors=True)

    def kill(self, job, index) -> None:
        """Kill one task at once (SIGKILL), as a crashed machine; see `restart`."""
        with self._lock:
            task = self._task(job, index)
            if task.running():
                task.process.kill()
                task.process.wait(_STOP_TIMEOUT_S)

    def restart(self, job, index) -> None:
        """Start one task again on the same port (stopping it first if it still runs).

        Its variables start over: state lives in a server process, as in TensorFlow.
        """
        with self._lock:
            if self._stopped or not self._started:
                raise RuntimeError("restart() needs a started LocalCluster")
            task = self._task(job, index)
            self._terminate([task])
            self._spawn(task)
            try:
                self._wait_healthy([task])
            except _PortTakenError as e:
                raise RuntimeError(f"LocalCluster: cannot restart {task.name}: {e}") from None
            except BaseException:
                self._terminate([task])
                raise

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def __repr__(self):
        state = "stopped" if self._stopped else ("running" if self._started else "not started")
        return f"<LocalCluster {state} {self.spec.as_dict()}>"

    # -- processes ------------------------------------------------------------------------------
    def _command(self, task) -> list[str]:
        if task.engine == "tensorflow":
            return tf_engine.server_command(
                self._tf_python,
                self.spec.as_dict(),
                task.job,
                task.index,
                self._config_json,
                os.getpid() if threading.current_thread() is threading.main_thread() else None,
            )
        cmd = [sys.executable, "-m", "teachflow", "server"]
        cmd += ["--cluster", json.dumps(self.spec.as_dict()), "--job", task.job]
        cmd += ["--task", str(task.index), "--exit-with-parent"]
        if threading.current_thread() is threading.main_thread():
            # Linux's parent-death signal fires when the *thread* that started the child
            # ends, so only ask for it when that thread lives as long as this process.
            cmd += ["--parent-pid", str(os.getpid())]
        if not _is_loopback(self.host):
            cmd += ["--bind", "0.0.0.0"]
        if self._config_json:
            cmd += ["--config", self._config_json]
        return cmd + self._server_flags

    def _spawn(self, task) -> None:
        with open(task.log_path, "ab") as log:
            if task.process is not None:
                log.write(f"--- restarted {task.name} ---\n".encode())
                log.flush()
            # stdin is a pipe this process never writes: the child stops when it reads EOF,
            # which happens however this process ends (even SIGKILL).
            task.process = subprocess.Popen(
                self._command(task),
                stdin=subprocess.PIPE,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=task.env,
                start_new_session=False,
                close_fds=True,
            )

    def _terminate(self, tasks) -> None:
        running = [t for t in tasks if t.running()]
        for t in running:
            t.process.terminate()
        deadline = time.monotonic() + _STOP_TIMEOUT_S
        for t in running:
            try:
                t.process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                t.process.kill()
                t.process.wait(_STOP_TIMEOUT_S)
        for t in tasks:
            if t.process is not None and t.process.stdin is not None:
                t.process.stdin.close()

    def _wait_healthy(self, tasks) -> None:
        """Wait until every task answers SERVING, or one exits, or the deadline passes."""
        deadline = time.monotonic() + self.startup_timeout
        channels = {
            t.name: grpc.insecure_channel(t.address, options=_HEALTH_CHANNEL_OPTIONS) for t in tasks
        }
        request = health_pb2.HealthCheckRequest(service="")
        pending = list(tasks)
        try:
            while pending:
                for t in list(pending):
                    rc = t.process.poll()
                    if rc == EXIT_PORT_IN_USE:
                        raise _PortTakenError(f"port of {t.name} ({t.address}) was taken")
                    if rc is not None:
                        raise RuntimeError(self._failure(t, t.status()))
                    if t.engine == "tensorflow":
                        serving = tf_engine.is_serving(channels[t.name], deadline, _HEALTH_POLL_S)
                    else:
                        serving = _is_serving(channels[t.name], request, deadline)
                    if serving:
                        pending.remove(t)
                if pending and time.monotonic() > deadline:
                    t = pending[0]
                    raise RuntimeError(
                        self._failure(t, f"not healthy after {self.startup_timeout:g} s")
                    )
        finally:
            for c in channels.values():
                c.close()

    def _failure(self, task, what) -> str:
        return (
            f"LocalCluster: task {task.name} at {task.address} {what} before it became "
            f"healthy. Last lines of its output:\n{task.log_tail()}"
        )


def _is_serving(channel, request, deadline) -> bool:
    timeout = max(0.01, min(_HEALTH_POLL_S, deadline - time.monotonic()))
    stub = health_pb2_grpc.HealthStub(channel)
    try:
        res = stub.Check(request, timeout=timeout, wait_for_ready=True, metadata=auth_metadata())
    except grpc.RpcError as e:
        if e.code() == grpc.StatusCode.UNAUTHENTICATED:
            raise RuntimeError(
                "LocalCluster: the servers refused the health check: "
                "TEACHFLOW_CLUSTER_TOKEN differs between this process and the servers"
            ) from None
        return False
    if res.status == health_pb2.HealthCheckResponse.SERVING:
        return True
    # Up but not serving (shutting down): look again after a short pause, not at once.
    threading.Event().wait(min(_HEALTH_POLL_S, max(0.0, deadline - time.monotonic())))
    return False


def _is_loopback(host: str) -> bool:
    return host in ("localhost", "127.0.0.1", "::1", "[::1]")


def _real_gpu_ids() -> list[str]:
    """The ids of the real GPUs this process may hand out (CUDA_VISIBLE_DEVICES first)."""
    env = os.environ.get("CUDA_VISIBLE_DEVICES")
    if env is not None:
        return [s.strip() for s in env.split(",") if s.strip()]
    from teachflow.runtime.devices import physical_gpus

    return [str(g.id) for g in physical_gpus(ConfigProto(simulated_gpus=0))]
