"""The headless demo says what its numbers are, and its counts add up."""

import re

from teachflow import demo


def test_placement_explains_the_total_and_every_node_a_device_ran(capsys):
    demo.placement()
    out = capsys.readouterr().out
    assert "total = sum(h1 + h2) = 4,194,304  (64 x 256 entries of 2 x 0.5 x 256)" in out
    assert "(not shown: " in out
    devices = re.findall(r"^device:(\w+:\d) ran (\d+) nodes?: (.*)$", out, re.M)
    assert [d for d, _, _ in devices] == ["CPU:0", "GPU:0", "GPU:1"]
    for _, count, parts in devices:
        table = parts.split(" of the table")[0].split(", ")
        moves = re.search(r"(\d+) transfers? in", parts)
        helpers = re.search(r"(\d+) helpers? \(", parts)
        listed = len(table) + sum(int(m.group(1)) for m in (moves, helpers) if m)
        assert listed == int(count), parts
    assert "1 transfers" not in out and "1 helpers" not in out


def test_the_demo_ends_by_naming_make_labs(monkeypatch, capsys):
    # The sections are tested on their own; here only the tour's last words matter.
    for name in ("first_graph", "control_dependencies", "devices", "placement", "cluster"):
        monkeypatch.setattr(demo, name, lambda: None)
    monkeypatch.setattr(demo, "training", lambda: None)
    demo.main()
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert (
        last
        == "Next: the labs, ten notebooks to run and look at: `make labs` (or `teachflow labs`)."
    )
