"""Starting and stopping TensorBoard on a log directory, from a notebook or the command line.

`start_tensorboard` runs the ``tensorboard`` package in a child process on 127.0.0.1 and a
free port, waits (with a deadline) until its HTTP server answers, and returns a
`TensorBoardProcess`: its URL, a link (and an embedded frame) in a notebook, and `stop`.
Every process started here is also stopped when the Python process exits, so a notebook
kernel that shuts down takes its TensorBoard with it.

    >>> from teachflow.viz.tensorboard_launcher import start_tensorboard
    >>> board = start_tensorboard("/tmp/logs")    # doctest: +SKIP
    >>> board.url                                 # doctest: +SKIP
    'http://127.0.0.1:40125/'
    >>> board.stop()                              # doctest: +SKIP

``teachflow tensorboard LOGDIR`` and ``%teachflow tensorboard LOGDIR`` call this.
"""

from __future__ import annotations

import atexit
import html
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

__all__ = ["TensorBoardProcess", "running", "start_tensorboard"]

_running: list = []
_lock = threading.Lock()


@dataclass
class TensorBoardProcess:
    """A TensorBoard server this process started (see `start_tensorboard`)."""

    logdir: str
    host: str
    port: int
    process: subprocess.Popen = field(repr=False)
    log_path: str = field(repr=False, default="")

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def output(self) -> str:
        """What TensorBoard printed (its log), for when something went wrong."""
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server: SIGTERM, then SIGKILL if it is still there after ``timeout``."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        with _lock:
            if self in _running:
                _running.remove(self)
        if self.log_path:
            try:
                os.unlink(self.log_path)
            except OSError:
                pass
            self.log_path = ""

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stop()

    def __str__(self):
        state = "running" if self.running else "stopped"
        return f"TensorBoard {state} at {self.url} (logdir {self.logdir})"

    def _repr_html_(self):
        url = html.escape(self.url)
        if not self.running:
            return f"<p>TensorBoard at {url} is stopped.</p>"
        return (
            f"<p>TensorBoard on <code>{html.escape(self.logdir)}</code>: "
            f'<a href="{url}" target="_blank">{url}</a></p>'
            f'<iframe src="{url}" width="100%" height="640" frameborder="0"></iframe>'
        )


def running() -> list:
    """The TensorBoard servers started here that have not been stopped."""
    with _lock:
        return list(_running)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1.0) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def start_tensorboard(
    logdir, *, port: int | None = None, host: str = "127.0.0.1", timeout: float = 60.0
) -> TensorBoardProcess:
    """Start TensorBoard on ``logdir`` and return once it answers HTTP at its URL.

    ``port``: a free one when None. Raises FileNotFoundError when ``logdir`` does not
    exist, and RuntimeError (with TensorBoard's output) when it exits or does not answer
    within ``timeout`` seconds (it is stopped then).
    """
    from teachflow.distributed.ports import free_ports

    logdir = os.path.abspath(str(logdir))
    if not os.path.isdir(logdir):
        raise FileNotFoundError(f"No such log directory: {logdir}")
    port = free_ports(1, host)[0] if port is None else int(port)
    command = [
        sys.executable,
        "-m",
        "tensorboard.main",
        "--logdir",
        logdir,
        "--host",
        host,
        "--port",
        str(port),
        "--load_fast",
        "false",  # the pure-Python reader: no second (Rust) server process to look after
    ]
    fd, log_path = tempfile.mkstemp(prefix="teachflow-tensorboard-", suffix=".log")
    with os.fdopen(fd, "wb") as log:
        # A file, not a pipe, takes TensorBoard's output: nobody has to keep reading it. A
        # session of its own keeps a terminal's Ctrl-C for us; we stop it ourselves.
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    board = TensorBoardProcess(logdir, host, port, process, log_path)
    with _lock:
        _running.append(board)
    deadline = time.monotonic() + timeout
    while not _answers(board.url):
        if process.poll() is not None or time.monotonic() > deadline:
            why = (
                f"exited with status {process.returncode}"
                if process.poll() is not None
                else f"did not answer at {board.url} within {timeout:g} s"
            )
            output = board.output()
            board.stop()
            raise RuntimeError(f"TensorBoard {why}. Its output:\n{output}")
        time.sleep(0.2)  # polling interval of the readiness check, bounded by the deadline
    return board


@atexit.register
def _stop_all() -> None:
    for board in running():
        board.stop(timeout=5.0)
