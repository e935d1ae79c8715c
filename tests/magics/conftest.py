"""An IPython shell with ``%load_ext teachflow``, unloaded (cluster stopped) after each test.

Figures are drawn with matplotlib's Agg backend and closed after each test.
"""

from __future__ import annotations

import matplotlib
import pytest

matplotlib.use("Agg")


@pytest.fixture
def ip():
    from IPython.testing.globalipapp import get_ipython

    shell = get_ipython()
    shell.run_line_magic("load_ext", "teachflow")
    yield shell
    shell.run_line_magic("unload_ext", "teachflow")
    # %config writes into the shell's config too: the next test starts from the defaults.
    shell.config.pop("TeachflowMagics", None)
    for name in ("cluster", "c"):
        shell.user_ns.pop(name, None)


@pytest.fixture
def magics(ip):
    """The loaded `TeachflowMagics` (its recorder, last trace and options)."""
    return ip.magics_manager.registry["TeachflowMagics"]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture(autouse=True)
def fresh_session_tables():
    """Each test starts a fresh session's colours and step numbers, as a new kernel does."""
    from teachflow.viz import palette, step_numbers

    palette.SESSION.reset()
    step_numbers.SESSION.reset()
    yield
    palette.SESSION.reset()
    step_numbers.SESSION.reset()
