"""Bandwidth saturation, measured: bytes into the ps grow with the workers; more ps tasks
spread them."""

import pytest

from teachflow.examples import bandwidth


@pytest.fixture(scope="module")
def runs(cluster):
    return bandwidth.sweep(cluster, workers=(1, 2, 3), ps=(1, 2), steps=2)


def _run(runs, workers, ps):
    (m,) = [m for m in runs if (m.num_workers, m.num_ps) == (workers, ps)]
    return m


def test_bytes_into_one_ps_grow_with_the_workers(runs):
    one, two, three = (_run(runs, n, 1) for n in (1, 2, 3))
    into = [m.ps_bytes_in()[0] for m in (one, two, three)]
    # Every worker step pushes one gradient per parameter: N workers, N times the bytes.
    assert into[1] == 2 * into[0] and into[2] == 3 * into[0]
    # ... and the parameters are the bytes of one step's gradients (plus tiny control edges).
    per_step = into[0] / one.steps_per_worker
    assert one.parameter_bytes <= per_step < one.parameter_bytes * 1.01
    # The workers read the parameters back: as many bytes go out of the ps.
    assert abs(three.ps_bytes_out()[0] - into[2]) <= 0.01 * into[2]


def test_a_second_ps_task_takes_about_half(runs):
    for n in (1, 2, 3):
        single, sharded = _run(runs, n, 1), _run(runs, n, 2)
        a, b = sharded.ps_bytes_in()
        # The same bytes in total, split between two links...
        assert abs((a + b) - single.ps_bytes_in()[0]) <= 0.01 * (a + b)
        # ... evenly, since the variables were placed greedily by size.
        assert 0.4 <= a / (a + b) <= 0.6
        assert sharded.busiest_ps_bytes() < 0.65 * single.busiest_ps_bytes()


def test_reports_per_task_and_tables(runs):
    m = _run(runs, 3, 2)
    rows = {t.task: t for t in m.report.rows()}
    assert set(rows) == {
        "/job:ps/task:0",
        "/job:ps/task:1",
        "/job:worker/task:0",
        "/job:worker/task:1",
        "/job:worker/task:2",
    }
    # Each worker sends what it receives: gradients out, parameters in.
    for i in range(3):
        w = rows[f"/job:worker/task:{i}"]
        assert abs(w.bytes_in - w.bytes_out) <= 0.01 * w.bytes_in
    table = bandwidth.sweep_table(runs).splitlines()
    assert table[0].split()[:2] == ["workers", "ps"] and len(table) == 1 + len(runs)
    assert "3 worker(s), 2 ps" in str(m)


def test_plot_sweep_draws_a_bar_per_ps_task(runs):
    fig = bandwidth.plot_sweep(runs)
    ax = fig.axes[0]
    assert len(ax.patches) == 3 * 1 + 3 * 2
    heights = sorted(round(p.get_height()) for p in ax.patches)
    assert heights[-1] == max(m.ps_bytes_in()[0] for m in runs if m.num_ps == 1)
    assert [t.get_text() for t in ax.get_xticklabels()][0] == "1 worker\n1 ps"
