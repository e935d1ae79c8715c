"""Each lab test starts with the lab's attempts forgotten, and leaves none behind; the claims
of a lab are tested on a busy machine (`busy_machine`)."""

import os
import subprocess
import sys

import pytest

from teachflow import labs

# A process that only burns CPU until it is stopped: a classroom laptop's browser and video call.
_BUSY_LOOP = "while True: pass"


@pytest.fixture
def lab(request):
    """The Lab of this test module: ``tests/labs/test_lab02.py`` -> lab "02", reset."""
    number = request.module.__name__.rsplit("test_lab", 1)[-1]
    lab = labs.lab(number)
    lab.reset()
    yield lab
    lab.reset()


@pytest.fixture
def busy_machine():
    """One busy-loop process per core for the test's duration, so a lab's claims are shown to
    survive a loaded laptop; every process is stopped (killed if it does not go) afterwards."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    loops = [
        subprocess.Popen([sys.executable, "-c", _BUSY_LOOP], stdin=subprocess.DEVNULL)
        for _ in range(cores or 1)
    ]
    try:
        yield len(loops)
    finally:
        for p in loops:
            p.terminate()
        for p in loops:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=5)
