"""``%teachflow tensorboard LOGDIR``: TensorBoard shown in the notebook, stopped with it."""

from __future__ import annotations

import urllib.request

import pytest
from IPython.core.error import UsageError


def test_magic_starts_tensorboard_and_shows_a_link_and_frame(ip, magics, tmp_path, capsys):
    board = ip.run_line_magic("teachflow", f"tensorboard {tmp_path}")
    try:
        assert board.running and board.logdir == str(tmp_path)
        with urllib.request.urlopen(board.url, timeout=10) as response:
            assert response.status == 200
        html = board._repr_html_()
        assert f'<a href="{board.url}"' in html and f'<iframe src="{board.url}"' in html
        assert magics.tensorboards == [board]
        ip.run_line_magic("teachflow", "tensorboard --stop")
        assert "Stopped 1 TensorBoard server." in capsys.readouterr().out
        assert not board.running and magics.tensorboards == []
    finally:
        board.stop()


def test_unloading_the_extension_stops_its_tensorboards(ip, magics, tmp_path):
    board = ip.run_line_magic("teachflow", f"tensorboard {tmp_path}")
    try:
        magics.close()  # what unload_ext and the kernel's exit call
        assert not board.running
    finally:
        board.stop()


def test_magic_needs_an_existing_logdir(ip, tmp_path):
    with pytest.raises(UsageError, match="No such log directory"):
        ip.run_line_magic("teachflow", f"tensorboard {tmp_path / 'missing'}")
    with pytest.raises(UsageError, match="needs a LOGDIR"):
        ip.run_line_magic("teachflow", "tensorboard")
