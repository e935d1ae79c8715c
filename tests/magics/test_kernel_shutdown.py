"""A real Jupyter kernel: the cluster ``%teachflow cluster start`` made ends with the kernel."""

from __future__ import annotations

import os
import threading
import time

import pytest

WAIT_S = 30


def gone(pid) -> bool:
    """No such process, not even a zombie waiting to be reaped."""
    return not os.path.exists(f"/proc/{pid}") if os.path.isdir("/proc") else _no_signal(pid)


def _no_signal(pid) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_kernel_shutdown_stops_the_cluster():
    pytest.importorskip("ipykernel")
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3", startup_timeout=WAIT_S)
    pids = []
    try:
        out = []

        def collect(msg):
            if msg["msg_type"] == "stream":
                out.append(msg["content"]["text"])

        code = (
            "%load_ext teachflow\n"
            "%teachflow cluster start --ps 1 --workers 1\n"
            "print('PIDS', cluster.pid('ps', 0), cluster.pid('worker', 0))\n"
        )
        reply = kc.execute_interactive(code, timeout=WAIT_S, output_hook=collect)
        assert reply["content"]["status"] == "ok", reply["content"]
        line = next(x for x in "".join(out).splitlines() if x.startswith("PIDS"))
        pids = [int(p) for p in line.split()[1:]]
        assert not any(gone(p) for p in pids)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)  # as JupyterLab's "Shut Down Kernel"
    deadline = time.monotonic() + WAIT_S
    pause = threading.Event()
    while not all(gone(p) for p in pids) and time.monotonic() < deadline:
        pause.wait(0.05)
    assert all(gone(p) for p in pids)
