"""``teachflow tensorboard LOGDIR``: TensorBoard until SIGTERM or Ctrl-C."""

from __future__ import annotations

import signal
import urllib.request

from teachflow import cli
from tests.test_cli import Running, port_is_free


def test_tensorboard_command_prints_its_url_and_stops_on_ctrl_c(tmp_path):
    board = Running("tensorboard", str(tmp_path))
    try:
        line = board.line()
        assert line.startswith("TensorBoard at http://127.0.0.1:")
        assert line.endswith("(Ctrl-C or SIGTERM stops it)")
        url = line.split()[2]
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.status == 200
        board.process.send_signal(signal.SIGINT)
        assert board.process.wait(60) == 0
        assert board.line() == "TensorBoard stopped"
        assert port_is_free(int(url.rstrip("/").rpartition(":")[2]))
    finally:
        board.close()


def test_tensorboard_command_refuses_a_missing_logdir(tmp_path, capsys):
    assert cli.main(["tensorboard", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert "teachflow tensorboard: error: No such log directory" in err
