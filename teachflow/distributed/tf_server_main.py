"""One real TensorFlow server task: the program `LocalCluster(engine="tensorflow")` starts.

It runs in a Python that has TensorFlow (see `teachflow.distributed.tf_engine`), as a file
(``python tf_server_main.py --cluster ... --job worker --task 0``), and imports nothing from
teachflow: that Python may hold another protobuf or grpcio than teachflow's. It does what
the chapter's task does, ``tf.distribute.Server(cluster, job_name, task_index)`` and wait,
and stops the way teachflow's own tasks stop: on SIGTERM, or when the launching process
ends (its stdin reaches EOF, or Linux's parent-death signal).

A TensorFlow server cannot be stopped from inside its process (TF's ``Server.stop`` is
unimplemented for gRPC), so stopping means ending the process.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import signal
import socket
import sys
import threading

# The exit code of `teachflow server` when its port was taken (launcher.EXIT_PORT_IN_USE):
# the launcher then picks other ports.
EXIT_PORT_IN_USE = 3


def _port_in_use(port: int) -> bool:
    # TensorFlow binds every interface ("0.0.0.0:port"), so that is what must be free.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("", port))
        except OSError as e:
            return e.errno == errno.EADDRINUSE
    return False


def _exit_with_parent(parent_pid: int) -> None:
    def watch_stdin():
        # The launcher holds our stdin open and never writes: EOF means it is gone.
        try:
            while os.read(0, 4096):
                pass
        except OSError:
            pass
        os._exit(0)

    threading.Thread(target=watch_stdin, name="parent-watch", daemon=True).start()
    if parent_pid and sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)  # PDEATHSIG
        except (OSError, AttributeError):
            pass
        if os.getppid() != parent_pid:  # it died before we asked to be told
            os._exit(0)


def _config(tf, fields: dict):
    """TensorFlow's ConfigProto from teachflow's config JSON; teachflow's own fields
    (simulated GPUs, virtual time...) mean nothing to TensorFlow and are left out."""
    from google.protobuf import json_format

    return json_format.ParseDict(fields, tf.compat.v1.ConfigProto(), ignore_unknown_fields=True)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cluster", required=True, help="the ClusterSpec as JSON")
    p.add_argument("--job", required=True)
    p.add_argument("--task", type=int, required=True)
    p.add_argument("--config", help="teachflow's ConfigProto fields as JSON")
    p.add_argument("--parent-pid", type=int, default=0)
    p.add_argument("--exit-with-parent", action="store_true")
    args = p.parse_args(argv)
    cluster = json.loads(args.cluster)
    address = cluster[args.job][args.task]
    port = int(address.rpartition(":")[2])
    if _port_in_use(port):
        print(f"TensorFlow server: port {port} is in use", file=sys.stderr, flush=True)
        return EXIT_PORT_IN_USE
    if args.exit_with_parent:
        _exit_with_parent(args.parent_pid)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    config = _config(tf, json.loads(args.config)) if args.config else None
    try:
        server = tf.distribute.Server(
            tf.train.ClusterSpec(cluster),
            job_name=args.job,
            task_index=args.task,
            config=config,
            start=True,
        )
    except tf.errors.OpError as e:
        if "already in use" in str(e) or "Could not start" in str(e):
            print(f"TensorFlow server: port {port} is in use: {e}", file=sys.stderr, flush=True)
            return EXIT_PORT_IN_USE
        raise
    print(
        f"TensorFlow {tf.__version__} server /job:{args.job}/task:{args.task} at {server.target}",
        flush=True,
    )
    server.join()
    return 0


if __name__ == "__main__":
    sys.exit(main())
