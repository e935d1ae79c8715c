"""Bar charts of bytes per task."""

from teachflow.trace.traffic import TrafficReport
from teachflow.viz.traffic_plot import plot_bytes_groups, plot_traffic


def _report(n):
    r = TrafficReport()
    r._add("/job:worker/task:0", "/job:ps/task:0", n)
    r._add("/job:ps/task:0", "/job:worker/task:0", 2 * n)
    return r


def test_one_report_gives_in_and_out_bars_per_task():
    fig = plot_traffic(_report(1000))
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["/job:ps/task:0", "/job:worker/task:0"]
    assert [p.get_height() for p in ax.patches] == [1000, 2000, 2000, 1000]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["bytes in", "bytes out"]
    assert ax.patches[0].get_facecolor()[:3] == (214 / 255, 39 / 255, 40 / 255)  # transfer red


def test_several_reports_side_by_side_with_labels_and_chosen_tasks():
    fig = plot_traffic(
        [_report(100), _report(300)], labels=["1 worker", "3 workers"], tasks=["/job:ps/task:0"]
    )
    ax = fig.axes[0]
    assert [p.get_height() for p in ax.patches] == [300, 900]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["1 worker", "3 workers"]
    # Binary ticks in one unit: 0, 256 B, 512 B, 768 B (not 200, 400, ... nor 97.7 KiB).
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["0", "256 B", "512 B", "768 B"]


def test_groups_side_by_side_or_stacked():
    groups = [("1 ps", [200]), ("2 ps", [110, 90])]
    side = plot_bytes_groups(groups).axes[0]
    assert [round(p.get_x() + p.get_width() / 2, 2) for p in side.patches] == [-0.2, 0.8, 1.2]
    stacked = plot_bytes_groups(groups, stacked=True).axes[0]
    assert [p.get_y() for p in stacked.patches] == [0, 0, 110]
