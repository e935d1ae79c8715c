"""JupyterLab and Chromium for the browser tests, always stopped afterwards.

``jupyter_lab`` starts JupyterLab (and ``jupyter_notebook`` Jupyter Notebook 7, the
other front end a class opens the labs in) from this virtual environment on a free port
with a token, in a temporary folder holding copies of this folder's notebooks, with every
Jupyter setting and runtime folder of its own. ``browser`` opens Debian's Chromium
through Playwright (never a downloaded browser) with a new, empty profile and records
every console error and uncaught page error.

Cleanup does not depend on the test ending well: kernels are shut down through the
server's API, the server is stopped (SIGTERM, a bounded wait, SIGKILL), and then every
process still carrying this run's mark in its environment (a kernel, the cluster it
started) is killed by its pid.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest

HERE = Path(__file__).parent
REPO = HERE.parent.parent
CHROMIUM = os.environ.get("TEACHFLOW_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(os.environ.get("TEACHFLOW_E2E_ARTIFACTS", REPO / "artifacts" / "e2e"))
MARK = "TEACHFLOW_E2E_MARK"
_LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker": {"autoStartDefaultKernel": True},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
}


def missing_tools() -> str:
    """Why the browser tests cannot run here ("" when they can)."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)"
    for module, package in (("playwright", "playwright"), ("jupyterlab", "jupyterlab")):
        if importlib.util.find_spec(module) is None:
            return f"the Python package {package} is not installed (pip install -e '.[dev]')"
    return ""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 2.0):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.loads(r.read() or b"null")


def _marked_pids(mark: str) -> list[int]:
    """Processes whose environment holds ``MARK=mark``: the ones this run started."""
    needle = f"{MARK}={mark}".encode()
    found = []
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else ():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def missing_notebook() -> str:
    """Why Jupyter Notebook 7 cannot be tested here ("" when it can)."""
    if importlib.util.find_spec("notebook") is None:
        return (
            "the Python package notebook (Jupyter Notebook 7) is not installed in this "
            "environment: it is a needed dev dependency (pip install 'notebook>=7')"
        )
    return ""


@pytest.fixture
def jupyter_lab(tmp_path):
    """A JupyterLab server: ``url`` (with no token), ``token``, ``root`` (the notebooks'
    folder), ``log`` (its output file), ``app`` ("lab"). Stopped, with its kernels, after
    the test."""
    yield from _jupyter_server(tmp_path, "lab")


@pytest.fixture
def jupyter_notebook(tmp_path):
    """A Jupyter Notebook 7 server (``jupyter notebook``), as `jupyter_lab`; skipped, saying
    why, where the notebook package is missing."""
    if missing_notebook():
        pytest.skip(missing_notebook())
    yield from _jupyter_server(tmp_path, "notebook")


# The server's own options, per front end: both expose the app object (the test runs the
# "Run All Cells" command itself) and never fetch news or check for updates.
_APP_OPTIONS = {
    "lab": [
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
    ],
    "notebook": [
        "--JupyterNotebookApp.expose_app_in_browser=True",
    ],
}


def _jupyter_server(tmp_path, app):
    root = tmp_path / "notebooks"
    root.mkdir()
    for nb in HERE.glob("*.ipynb"):
        shutil.copy(nb, root / nb.name)
    port, token, mark = _free_port(), uuid.uuid4().hex, uuid.uuid4().hex
    env = dict(os.environ)
    for var, sub in (
        ("JUPYTER_CONFIG_DIR", "config"),
        ("JUPYTER_DATA_DIR", "data"),
        ("JUPYTER_RUNTIME_DIR", "runtime"),
        ("JUPYTERLAB_SETTINGS_DIR", "settings"),
        ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"),
        ("IPYTHONDIR", "ipython"),
    ):
        env[var] = str(tmp_path / sub)
    env[MARK] = mark
    # A fresh user: start the notebook's kernel without asking, never fetch news.
    for plugin, values in _LAB_SETTINGS.items():
        path = tmp_path / "settings" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    cmd = [
        sys.executable,
        "-m",
        "jupyter",
        app,
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        *_APP_OPTIONS[app],
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # CI runs as root in a throwaway container
    log_path = tmp_path / "jupyter.log"
    log = open(log_path, "wb")  # closed in the finalizer below
    proc = subprocess.Popen(
        cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30.0
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"jupyter {app} exited ({proc.returncode}):\n{_tail(log_path)}")
            try:
                _get(f"{url}/api/status?token={token}")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"jupyter {app} not up after 30 s:\n{_tail(log_path)}"
                    ) from None
                time.sleep(0.1)
        yield SimpleNamespace(url=url, token=token, root=root, log=log_path, mark=mark, app=app)
    finally:
        _stop_lab(url, token, proc)
        log.close()
        for pid in _marked_pids(mark):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _stop_lab(url, token, proc) -> None:
    if proc.poll() is None:
        try:
            for kernel in _get(f"{url}/api/kernels?token={token}") or []:
                req = urllib.request.Request(
                    f"{url}/api/kernels/{kernel['id']}?token={token}", method="DELETE"
                )
                urllib.request.urlopen(req, timeout=10.0).close()
        except OSError:
            pass  # the server is going anyway; the marked-process sweep catches the rest
        proc.terminate()
        try:
            proc.wait(10.0)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5.0)


def _tail(path, n=40) -> str:
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return "(no log)"


@pytest.fixture
def browser(tmp_path):
    """A Playwright page in Debian's Chromium: ``page``, and ``errors`` (console errors and
    uncaught exceptions, as text). Closed after the test."""
    from playwright.sync_api import sync_playwright

    profile = tmp_path / "chromium-profile"
    profile.mkdir()
    errors = []
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
            # Sharper pictures for the README (make screenshots); 1 is enough for a check.
            device_scale_factor=2 if os.environ.get("TEACHFLOW_SCREENSHOTS_DIR") else 1,
            timeout=30_000,
        )
        try:
            page = context.pages[0] if context.pages else context.new_page()
            page.set_default_timeout(30_000)

            def on_console(msg):
                if msg.type == "error":
                    loc = msg.location or {}
                    errors.append(f"console: {msg.text} ({loc.get('url', '')})")

            page.on("console", on_console)
            page.on("pageerror", lambda exc: errors.append(f"pageerror: {_where(exc)}"))
            yield SimpleNamespace(page=page, errors=errors)
        finally:
            context.close()


def _where(exc) -> str:
    """An uncaught page error with the top of its stack: which script threw it."""
    stack = (getattr(exc, "stack", "") or "").splitlines()[:4]
    return "\n  ".join([str(exc), *stack[1:]]) if stack else str(exc)
