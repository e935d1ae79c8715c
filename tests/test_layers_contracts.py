"""The layering of DESIGN.md holds: import-linter checks the contracts in .importlinter.

    proto <- framework <- ops <- trace <- runtime <- distributed <- train, data, sim
          <- viz <- magics, labs, cli

plus: a headless server never imports a notebook's libraries, and views ask the
distributed layer instead of building gRPC clients.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _lint_imports() -> str | None:
    found = Path(sys.executable).with_name("lint-imports")
    if found.exists():
        return str(found)
    return shutil.which("lint-imports")


@pytest.mark.skipif(
    _lint_imports() is None,
    reason="import-linter is not installed (pip install import-linter: the dev extra)",
)
def test_every_import_contract_is_kept():
    result = subprocess.run(
        [_lint_imports(), "--config", str(ROOT / ".importlinter"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert "Contracts: 3 kept, 0 broken." in report
