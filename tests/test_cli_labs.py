"""``teachflow labs``: JupyterLab on 127.0.0.1, opened at the first lab."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from types import SimpleNamespace

import pytest

from teachflow import cli

WAIT_S = 15
NOTEBOOK = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


@pytest.fixture
def labs_dir(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    (folder / "00_welcome.ipynb").write_text(json.dumps(NOTEBOOK))
    return folder


def wait_for_answer(url) -> dict:
    """GET ``url`` until the server answers (bounded by WAIT_S); its JSON."""
    deadline = time.monotonic() + WAIT_S
    pause = threading.Event()
    while True:
        try:
            with urllib.request.urlopen(url, timeout=WAIT_S) as r:
                return json.load(r)
        except urllib.error.URLError:
            if time.monotonic() > deadline:
                raise
            pause.wait(0.05)


def args(**kw):
    fields = {"notebook": cli.FIRST_LAB, "dir": None, "ip": "127.0.0.1", "port": None}
    fields["no_browser"] = False
    fields.update(kw)
    return SimpleNamespace(**fields)


def test_the_command_opens_the_first_lab_on_localhost(labs_dir):
    cmd = cli.labs_command(args(dir=str(labs_dir), port=0, no_browser=True))
    assert cmd[:3] == [sys.executable, "-m", "jupyterlab"]
    assert "--ServerApp.ip=127.0.0.1" in cmd and "--ServerApp.port=0" in cmd
    assert "--no-browser" in cmd
    assert f"--ServerApp.root_dir={labs_dir}" in cmd
    assert "--LabApp.default_url=/lab/tree/00_welcome.ipynb" in cmd


def test_a_missing_folder_or_notebook_is_a_usage_error(labs_dir, tmp_path, capsys):
    with pytest.raises(cli.UsageError, match="no notebook '09_nope.ipynb' in"):
        cli.labs_command(args(dir=str(labs_dir), notebook="09_nope.ipynb"))
    assert cli.main(["labs", "--dir", str(tmp_path / "nowhere")]) == cli.EXIT_USAGE
    assert "is not a folder" in capsys.readouterr().err
    # Without the first lab (a clone still being written), the folder itself opens.
    (labs_dir / "00_welcome.ipynb").unlink()
    assert not any("default_url" in a for a in cli.labs_command(args(dir=str(labs_dir))))


def test_labs_starts_jupyterlab_that_answers_and_stops_on_sigterm(labs_dir, tmp_path):
    pytest.importorskip("jupyterlab")
    env = dict(os.environ)
    # Keep JupyterLab's runtime and config files (token, cookie secret) out of $HOME.
    env["JUPYTER_RUNTIME_DIR"] = str(tmp_path / "runtime")
    env["JUPYTER_CONFIG_DIR"] = str(tmp_path / "config")
    cmd = [sys.executable, "-m", "teachflow", "labs", "--no-browser", "--port", "0"]
    process = subprocess.Popen(
        [*cmd, "--dir", str(labs_dir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    lines = queue.Queue()

    def pump():
        for line in process.stderr:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    try:
        url = None
        while url is None:
            line = lines.get(timeout=WAIT_S)
            assert line is not None, f"JupyterLab exited early: {process.wait(WAIT_S)}"
            m = re.search(
                r"(http://127\.0\.0\.1:\d+)/lab/tree/00_welcome\.ipynb\?token=(\w+)", line
            )
            if m:
                url = m
        base, token = url.group(1), url.group(2)
        # The URL is printed just before the server listens: ask until it answers.
        status = wait_for_answer(f"{base}/api/status?token={token}")
        assert "started" in status
        page = f"{base}/lab/tree/00_welcome.ipynb?token={token}"
        with urllib.request.urlopen(page, timeout=WAIT_S) as r:
            assert r.status == 200 and "JupyterLab" in r.read().decode()
        process.send_signal(signal.SIGTERM)
        assert process.wait(WAIT_S) in (0, -signal.SIGTERM)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(WAIT_S)
        process.stderr.close()


def test_an_installed_package_copies_its_labs_out_once(tmp_path, monkeypatch, capsys):
    packaged = tmp_path / "site" / "_labs_notebooks"
    packaged.mkdir(parents=True)
    (packaged / "00_welcome.ipynb").write_text("{}")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setattr(cli, "CLONE_NOTEBOOKS", str(tmp_path / "no-clone"))
    monkeypatch.setattr(cli, "PACKAGED_NOTEBOOKS", str(packaged))
    cmd = cli.labs_command(args(port=0, no_browser=True))
    copied = work / "teachflow-labs"
    assert f"--ServerApp.root_dir={copied}" in cmd
    assert (copied / "00_welcome.ipynb").read_text() == "{}"
    assert "copied 1 lab file(s)" in capsys.readouterr().out
    # A student's edits survive the next start: nothing is copied over them.
    (copied / "00_welcome.ipynb").write_text('{"mine": 1}')
    cli.labs_command(args(port=0, no_browser=True))
    assert (copied / "00_welcome.ipynb").read_text() == '{"mine": 1}'
    assert capsys.readouterr().out == ""


def test_in_a_clone_students_work_in_a_copy_never_in_the_repositorys_notebooks(
    tmp_path, monkeypatch, capsys
):
    """`make labs` in a clone: autosaved outputs land in ./teachflow-labs, not in notebooks/."""
    clone = tmp_path / "clone"
    originals = clone / "notebooks"
    originals.mkdir(parents=True)
    (originals / "00_welcome.ipynb").write_text('{"cells": []}')
    monkeypatch.chdir(clone)
    monkeypatch.setattr(cli, "CLONE_NOTEBOOKS", str(originals))
    cmd = cli.labs_command(args(port=0, no_browser=True))
    copied = clone / "teachflow-labs"
    assert f"--ServerApp.root_dir={copied}" in cmd
    assert "--LabApp.default_url=/lab/tree/00_welcome.ipynb" in cmd
    (copied / "00_welcome.ipynb").write_text('{"cells": [], "outputs": "autosaved"}')
    # A lab added upstream later (git pull) reaches the copy; the student's file stays theirs.
    (originals / "10_new.ipynb").write_text("{}")
    cli.labs_command(args(port=0, no_browser=True))
    assert "copied 1 lab file(s)" in capsys.readouterr().out
    assert (copied / "10_new.ipynb").read_text() == "{}"
    assert (copied / "00_welcome.ipynb").read_text() == '{"cells": [], "outputs": "autosaved"}'
    assert (originals / "00_welcome.ipynb").read_text() == '{"cells": []}'


def test_the_copy_of_the_labs_is_ignored_by_git():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ignored = open(os.path.join(root, ".gitignore")).read().split()
    assert cli.COPIED_LABS + "/" in ignored
