"""The ``teachflow`` command: ``teachflow server | cluster up | demo | labs``.

teachflow server --cluster CLUSTER --job worker --task 0
    run one task of a cluster (CLUSTER: the ClusterSpec as JSON text or a JSON file;
    without --cluster, the TF_CONFIG environment variable) until SIGTERM or Ctrl-C
teachflow cluster up --ps 1 --workers 2
    run a whole cluster on this machine, one process per task, until SIGTERM or Ctrl-C
teachflow demo
    run the chapter's small graphs in this terminal
teachflow labs
    open the lab notebooks in JupyterLab on this machine (127.0.0.1), at 00_welcome.ipynb
teachflow tensorboard LOGDIR [--port N]
    run TensorBoard on LOGDIR at http://127.0.0.1:<free port>/ until SIGTERM or Ctrl-C
"""

from __future__ import annotations

import argparse
import errno
import faulthandler
import json
import os
import signal
import socket
import sys
import threading

EXIT_USAGE = 2  # argparse's own code for a bad command line


class UsageError(Exception):
    """A bad command line: reported in one line, exit code 2, no traceback."""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="teachflow", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run the chapter's small graphs and print what happened")
    demo.set_defaults(run=_run_demo)
    _add_labs_parser(sub)
    _add_server_parser(sub)
    _add_cluster_parser(sub)
    _add_tensorboard_parser(sub)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except UsageError as e:
        print(f"teachflow {args.command}: error: {e}", file=sys.stderr, flush=True)
        return EXIT_USAGE


def _run_demo(args) -> int:
    from teachflow import demo

    demo.main()
    return 0


# -- teachflow labs -----------------------------------------------------------------------------
FIRST_LAB = "00_welcome.ipynb"


def _add_labs_parser(sub):
    p = sub.add_parser("labs", help="open the lab notebooks in JupyterLab")
    p.add_argument(
        "notebook", nargs="?", default=FIRST_LAB, help=f"the lab to open (default {FIRST_LAB})"
    )
    p.add_argument(
        "--dir",
        help="open this folder as it is (default: your copy of the labs, ./teachflow-labs)",
    )
    p.add_argument("--ip", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default JupyterLab's 8888; 0: any free one)")
    p.add_argument("--no-browser", action="store_true", help="only print the URL to open")
    p.set_defaults(run=_run_labs)


_HERE = os.path.dirname(os.path.abspath(__file__))
# The labs' originals: a clone's notebooks/ folder, or the copy a wheel carries inside the package
# (see pyproject.toml). Students never work in the originals: `teachflow labs` copies them to
# ./teachflow-labs once and opens that copy, so a student's answers and autosaved outputs stay
# out of the repository (whose tests check that the labs carry no outputs).
CLONE_NOTEBOOKS = os.path.join(os.path.dirname(_HERE), "notebooks")
PACKAGED_NOTEBOOKS = os.path.join(_HERE, "_labs_notebooks")
COPIED_LABS = "teachflow-labs"


def _labs_dir(given) -> str:
    """The folder JupyterLab opens: ``--dir`` as it is, else the student's copy of the labs.

    The copy is ./teachflow-labs, made from the originals on first use; a lab added to the
    originals later (a new release, a ``git pull``) is copied in next time, and a notebook
    already in the copy is never overwritten.
    """
    if given:
        if not os.path.isdir(given):
            raise UsageError(f"--dir {given!r} is not a folder")
        return os.path.abspath(given)
    originals = next((d for d in (CLONE_NOTEBOOKS, PACKAGED_NOTEBOOKS) if os.path.isdir(d)), None)
    copied = os.path.join(os.getcwd(), COPIED_LABS)
    if originals is None:
        if os.path.isdir(copied):
            return copied
        raise UsageError(
            "no lab notebooks here: run it in a clone of the teachflow repository (they are in "
            "its notebooks/ folder), or give --dir"
        )
    import shutil

    new = [n for n in sorted(os.listdir(originals)) if not os.path.exists(os.path.join(copied, n))]
    os.makedirs(copied, exist_ok=True)
    for name in new:
        source = os.path.join(originals, name)
        if os.path.isdir(source):
            shutil.copytree(source, os.path.join(copied, name))
        else:
            shutil.copy2(source, os.path.join(copied, name))
    if new:
        print(f"teachflow labs: copied {len(new)} lab file(s) to {copied}", flush=True)
    return copied


def labs_command(args) -> list[str]:
    """The JupyterLab command line that `teachflow labs` runs (in place of itself)."""
    folder = _labs_dir(args.dir)
    cmd = [sys.executable, "-m", "jupyterlab", f"--ServerApp.ip={args.ip}"]
    if args.port is not None:
        cmd.append(f"--ServerApp.port={args.port}")
    if args.no_browser:
        cmd.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # Containers often run as root, which JupyterLab refuses unless told; it still
        # listens on 127.0.0.1 only and asks for its token.
        cmd.append("--allow-root")
    cmd.append(f"--ServerApp.root_dir={folder}")
    if os.path.isfile(os.path.join(folder, args.notebook)):
        # The page JupyterLab opens, and the URL it prints when no browser opens.
        from urllib.parse import quote

        cmd.append(f"--LabApp.default_url=/lab/tree/{quote(args.notebook)}")
    elif args.notebook != FIRST_LAB:
        raise UsageError(f"no notebook {args.notebook!r} in {folder}")
    return cmd


def _run_labs(args) -> int:
    import importlib.util

    if importlib.util.find_spec("jupyterlab") is None:
        raise UsageError("JupyterLab is not installed: pip install 'teachflow[viz]'")
    cmd = labs_command(args)
    print("teachflow labs: starting", "jupyter lab", " ".join(cmd[3:]), flush=True)
    if os.name == "posix":
        # JupyterLab takes this process over: Ctrl-C and SIGTERM reach it directly.
        os.execv(cmd[0], cmd)
    import subprocess

    return subprocess.call(cmd)


# -- teachflow server ---------------------------------------------------------------------------
def _add_server_parser(sub):
    p = sub.add_parser("server", help="run one task of a cluster (tf.train.Server.join())")
    p.add_argument(
        "--cluster",
        help='the ClusterSpec as JSON ({"ps": ["host:2222"], "worker": [...]}) or a JSON '
        "file; default: the cluster in TF_CONFIG",
    )
    p.add_argument("--job", help="this task's job name (default: TF_CONFIG's task)")
    p.add_argument("--task", type=int, help="this task's index in its job (default: TF_CONFIG)")
    p.add_argument("--bind", help="address to listen on (default 127.0.0.1; 0.0.0.0 for all)")
    p.add_argument("--gpus", type=int, help="simulate this many GPUs in this task")
    p.add_argument("--gpu-profile", help="hardware profile of the simulated GPUs (e.g. k80)")
    p.add_argument("--config", help="ConfigProto fields as JSON, e.g. '{\"device_count\": ...}'")
    _add_hardening_arguments(p)
    # Set by LocalCluster: stop when the launching process ends.
    p.add_argument("--exit-with-parent", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--parent-pid", type=int, help=argparse.SUPPRESS)
    p.set_defaults(run=_run_server)


def _add_hardening_arguments(p, file_root_help=None):
    p.add_argument(
        "--file-root",
        metavar="DIR",
        help=file_root_help
        or "confine file ops (readers, read_file, write_file, Save/Restore, matching_files) to "
        "DIR; others fail with PermissionDeniedError (default: no limit)",
    )
    p.add_argument(
        "--session-gc-seconds",
        type=float,
        help="close sessions idle this long (default: a day; 0: never)",
    )
    p.add_argument(
        "--max-message-mb", type=float, help="largest request accepted, in MiB (default 256)"
    )


def _hardening_kwargs(args) -> dict:
    """Server keyword arguments from the flags given (the Server's defaults otherwise)."""
    kwargs = {}
    if args.file_root:
        kwargs["file_root"] = args.file_root
    if args.session_gc_seconds is not None:
        kwargs["session_gc_seconds"] = args.session_gc_seconds
    if args.max_message_mb is not None:
        kwargs["max_message_bytes"] = int(args.max_message_mb * (1 << 20))
    return kwargs


def _load_cluster(text):
    """The cluster dict from JSON text or from a JSON file."""
    if text.lstrip().startswith("{"):
        source, raw = "--cluster", text
    elif os.path.isfile(text):
        source = f"--cluster file {text!r}"
        try:
            with open(text, encoding="utf-8") as f:
                raw = f.read()
        except OSError as e:
            raise UsageError(f"cannot read {source}: {e.strerror}") from None
    else:
        raise UsageError(
            f"--cluster {text!r} is neither JSON text (a ClusterSpec dict such as "
            '{"worker": ["localhost:2222"]}) nor an existing file'
        )
    try:
        return json.loads(raw)
    except json.JSONDecodeError as e:
        raise UsageError(f"{source} is not valid JSON: {e}") from None


def _resolve_task(args):
    """``(ClusterSpec, job, task)`` from the command line, falling back on TF_CONFIG."""
    from teachflow.distributed.cluster import ClusterSpec, cluster_from_tf_config

    job, task = args.job, args.task
    if args.cluster is not None:
        try:
            cluster = ClusterSpec(_load_cluster(args.cluster))
        except (TypeError, ValueError) as e:
            raise UsageError(f"--cluster is not a ClusterSpec: {e}") from None
    else:
        try:
            cluster, tf_job, tf_task = cluster_from_tf_config()
        except ValueError as e:
            raise UsageError(str(e)) from None
        if not cluster:
            raise UsageError("no cluster: give --cluster, or set TF_CONFIG")
        job = tf_job if job is None else job
        task = tf_task if task is None else task
    if job is None or task is None:
        raise UsageError("give this task's --job and --task")
    if job not in cluster.jobs:
        raise UsageError(f"job {job!r} is not in the cluster (jobs: {', '.join(cluster.jobs)})")
    indices = cluster.task_indices(job)
    if task not in indices:
        raise UsageError(
            f"task {task} is not in job {job!r} (task indices: {', '.join(map(str, indices))})"
        )
    return cluster, job, task


def _server_config(args):
    from teachflow.distributed.launcher import config_from_json
    from teachflow.runtime.config import ConfigProto
    from teachflow.sim.profiles import get_profile

    config = ConfigProto()
    if args.config:
        try:
            config = config_from_json(args.config)
        except (json.JSONDecodeError, TypeError, ValueError) as e:
            raise UsageError(f"--config is not a ConfigProto as JSON: {e}") from None
    if args.gpus is not None:
        if args.gpus < 0:
            raise UsageError(f"--gpus must be >= 0, got {args.gpus}")
        config.simulated_gpus = args.gpus
    if args.gpu_profile:
        config.simulated_gpu_profile = args.gpu_profile
    profile = config.simulated_gpu_profile or os.environ.get("TEACHFLOW_SIMULATED_GPU_PROFILE")
    try:
        get_profile(profile)
    except ValueError as e:
        raise UsageError(str(e)) from None
    return config


def _port_in_use(bind_host, port) -> bool:
    """Whether another socket listens on ``port`` (gRPC itself would share it: SO_REUSEPORT)."""
    if port == 0:
        return False
    host = bind_host.strip("[]") or None
    try:
        family, kind, proto, _, addr = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror:
        return False  # the server reports an address it cannot resolve
    with socket.socket(family, kind, proto) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(addr)
        except OSError as e:
            return e.errno == errno.EADDRINUSE
    return False


def _exit_with_parent(parent_pid, stop):
    """Stop when the launching process ends, however it ends."""

    # The launcher holds our stdin open and never writes: EOF means it is gone.
    # Raw reads of fd 0: a daemon thread blocked in a buffered reader would stop the
    # interpreter from shutting down cleanly.
    def watch_stdin():
        try:
            while os.read(0, 4096):
                pass
        except OSError:
            pass
        stop.set()

    threading.Thread(target=watch_stdin, name="parent-watch", daemon=True).start()
    if parent_pid and sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            pr_set_pdeathsig = 1
            libc.prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)
        except (OSError, AttributeError):
            pass
        if os.getppid() != parent_pid:  # it died before we asked to be told
            stop.set()


def _run_server(args) -> int:
    cluster, job, task = _resolve_task(args)
    config = _server_config(args)
    stop = _stop_on_signals()
    if args.exit_with_parent:
        _exit_with_parent(args.parent_pid, stop)

    from teachflow.distributed.launcher import EXIT_PORT_IN_USE
    from teachflow.distributed.server import Server

    address = cluster.task_address(job, task)
    bind_host = args.bind or os.environ.get("TEACHFLOW_BIND_ADDRESS") or "127.0.0.1"
    port = address.rpartition(":")[2]
    if not port.isdigit():
        raise UsageError(f"the address of /job:{job}/task:{task}, {address!r}, has no port")
    if _port_in_use(bind_host, int(port)):
        print(f"teachflow server: port {port} on {bind_host} is in use", file=sys.stderr)
        return EXIT_PORT_IN_USE
    try:
        hardening = _hardening_kwargs(args)
        server = Server(cluster, job, task, config=config, bind_address=args.bind, **hardening)
    except ValueError as e:  # a --file-root that is not a directory
        raise UsageError(str(e)) from None
    except (OSError, RuntimeError) as e:
        # gRPC reports a taken port as RuntimeError("Failed to bind to address ...").
        print(f"teachflow server: cannot listen on {bind_host}:{port}: {e}", file=sys.stderr)
        return EXIT_PORT_IN_USE
    print(f"teachflow server {server.task_name} listening on {server.target}", flush=True)
    stop.wait()
    # A shutdown is bounded: should it hang, every thread's stack goes to stderr and the
    # process ends (exit 1) rather than outliving the SIGTERM that asked it to stop.
    faulthandler.dump_traceback_later(SHUTDOWN_TIMEOUT_S, exit=True)
    server.stop()
    print(f"teachflow server {server.task_name} stopped", flush=True)
    return 0


SHUTDOWN_TIMEOUT_S = 20


def _stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT: the main thread then stops cleanly (exit 0)."""
    stop = threading.Event()

    def handler(signum, frame):
        # Set from another thread: the handler runs in the main thread, which may be inside
        # stop.wait() holding the Event's own (non-reentrant) lock at that very moment.
        threading.Thread(target=stop.set, daemon=True).start()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    return stop


# -- teachflow cluster up -----------------------------------------------------------------------
def _add_cluster_parser(sub):
    p = sub.add_parser("cluster", help="run a cluster on this machine")
    actions = p.add_subparsers(dest="action", required=True)
    up = actions.add_parser("up", help="start one server process per task until Ctrl-C")
    up.add_argument("--ps", type=int, default=1, help="parameter-server tasks (default 1)")
    up.add_argument("--workers", type=int, default=2, help="worker tasks (default 2)")
    up.add_argument("--gpus", type=int, default=0, help="simulated GPUs per worker task")
    up.add_argument("--gpu-profile", help="hardware profile of the simulated GPUs (e.g. k80)")
    up.add_argument("--host", default="localhost", help="host name in the cluster's addresses")
    up.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for startup")
    _add_hardening_arguments(
        up,
        "confine the tasks' file ops to DIR (default: the current directory; 'none' for no limit)",
    )
    up.set_defaults(run=_run_cluster_up)


def _run_cluster_up(args) -> int:
    from teachflow.distributed.launcher import LocalCluster

    stop = _stop_on_signals()
    hardening = _hardening_kwargs(args)
    # On by default for a cluster started by hand: clients reach only this directory.
    root = hardening.pop("file_root", None) or os.getcwd()
    try:
        cluster = LocalCluster(
            ps=args.ps,
            workers=args.workers,
            gpus_per_task=args.gpus,
            host=args.host,
            gpu_profile=args.gpu_profile,
            startup_timeout=args.timeout,
            file_root=None if root == "none" else root,
            **hardening,
        )
    except ValueError as e:
        raise UsageError(str(e)) from None
    except RuntimeError as e:
        print(f"teachflow cluster up: {e}", file=sys.stderr, flush=True)
        return 1
    try:
        # First line: the ClusterSpec as JSON, for `--cluster` of another command.
        print(json.dumps(cluster.spec.as_dict()))
        for name, target in cluster.targets.items():
            print(f"{name}  {target}")
        print("cluster up; Ctrl-C or SIGTERM stops it", flush=True)
        reported = set()
        while not stop.wait(1.0):
            for name, state in cluster.status().items():
                if state != "running" and name not in reported:
                    reported.add(name)
                    print(f"{name} {state}", file=sys.stderr, flush=True)
    finally:
        cluster.stop()
    print("cluster stopped", flush=True)
    return 0


# -- teachflow tensorboard ----------------------------------------------------------------------
def _add_tensorboard_parser(sub):
    p = sub.add_parser("tensorboard", help="run TensorBoard on a log directory until Ctrl-C")
    p.add_argument("logdir", help="the directory tf.summary.FileWriter wrote to")
    p.add_argument("--port", type=int, help="port on 127.0.0.1 (default: a free one)")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for startup")
    p.set_defaults(run=_run_tensorboard)


def _run_tensorboard(args) -> int:
    from teachflow.viz.tensorboard_launcher import start_tensorboard

    stop = _stop_on_signals()
    try:
        board = start_tensorboard(args.logdir, port=args.port, timeout=args.timeout)
    except FileNotFoundError as e:
        raise UsageError(str(e)) from None
    except RuntimeError as e:
        print(f"teachflow tensorboard: {e}", file=sys.stderr, flush=True)
        return 1
    try:
        print(f"TensorBoard at {board.url} (Ctrl-C or SIGTERM stops it)", flush=True)
        while not stop.wait(1.0):
            if not board.running:
                print("TensorBoard exited:\n" + board.output(), file=sys.stderr, flush=True)
                return 1
    finally:
        board.stop()
    print("TensorBoard stopped", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
