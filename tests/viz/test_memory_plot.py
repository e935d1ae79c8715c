"""The memory chart: bytes in use per device over time, the limit, the peak."""

import pytest

from teachflow.viz.memory_plot import format_bytes, plot_memory
from teachflow.viz.step_records import read_steps

from .conftest import GPU0, GPU1


def lines(ax, prefix):
    return {
        ln.get_gid().split(":", 1)[1]: ln
        for ln in ax.lines
        if (ln.get_gid() or "").startswith(prefix)
    }


def peaks_from_events(events):
    peaks = {}
    for e in events:
        if e.kind == "memory":
            peaks[e.device] = max(peaks.get(e.device, 0), e.live_bytes)
    return peaks


def test_a_line_per_device_from_the_event_stream(traced_run):
    ax = plot_memory(traced_run.events).axes[0]
    drawn = lines(ax, "memory:")
    assert set(drawn) == {GPU0, GPU1}
    assert drawn[GPU0].get_label() == "GPU:0"
    # The line follows every allocation and free: it ends where the last event left it.
    last = [e for e in traced_run.events if e.kind == "memory" and e.device == GPU1][-1]
    assert drawn[GPU1].get_ydata()[-1] == last.live_bytes
    assert max(drawn[GPU0].get_ydata()) == peaks_from_events(traced_run.events)[GPU0]


def test_the_peak_is_annotated_with_its_size(traced_run):
    ax = plot_memory(traced_run.events).axes[0]
    peaks = peaks_from_events(traced_run.events)
    texts = {t.get_gid(): t.get_text() for t in ax.texts}
    assert texts[f"peak:{GPU0}"] == f"peak {format_bytes(peaks[GPU0])}"
    assert texts[f"peak:{GPU1}"] == f"peak {format_bytes(peaks[GPU1])}"
    # 200x200 float32 outputs are 156.2 KiB each: several are alive at the peak.
    assert peaks[GPU0] >= 2 * 200 * 200 * 4
    assert texts[f"peak:{GPU0}"].endswith("KiB")


def test_a_given_limit_is_drawn_as_a_line(traced_run):
    limit = 1_000_000
    ax = plot_memory(traced_run.events, limits={"/gpu:0": limit}).axes[0]
    (lim,) = lines(ax, "limit:").values()
    assert set(lim.get_ydata()) == {limit}
    assert lim.get_linestyle() == "--"
    assert lim.get_label() == f"GPU:0 limit {format_bytes(limit)}"
    assert ax.get_ylim()[1] > limit


def test_the_sessions_device_limits_are_drawn(traced_run):
    ax = plot_memory(traced_run.md, session=traced_run.session).axes[0]
    drawn = lines(ax, "limit:")
    limits = {d.name: d.allocator.limit for d in traced_run.session.devices}
    assert set(drawn) == {GPU0, GPU1}
    assert set(drawn[GPU1].get_ydata()) == {limits[GPU1]}


def test_a_limit_far_above_the_curve_is_named_but_not_drawn(traced_run):
    ax = plot_memory(traced_run.events, limits={"/gpu:0": 16 << 30}).axes[0]
    assert lines(ax, "limit:") == {}
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "GPU:0 limit 16 GiB (off scale)" in legend


def test_run_metadata_gives_the_bytes_in_use_as_each_node_finished(traced_run):
    ax = plot_memory(traced_run.md).axes[0]
    assert set(lines(ax, "memory:")) == {GPU0, GPU1}
    (step,) = read_steps(traced_run.md)
    assert step.peaks[GPU0] >= max(lines(ax, "memory:")[GPU0].get_ydata())


def test_devices_chooses_the_lines(traced_run):
    ax = plot_memory(traced_run.events, devices=["/gpu:1"]).axes[0]
    assert set(lines(ax, "memory:")) == {GPU1}
    with pytest.raises(ValueError, match="no memory samples"):
        plot_memory(traced_run.events, devices=["/gpu:7"])


@pytest.mark.parametrize(
    "n, text",
    [
        (0, "0 B"),
        (1023, "1023 B"),
        (1024, "1 KiB"),
        (320016, "312.5 KiB"),
        (3 * 1024**3, "3 GiB"),
    ],
)
def test_format_bytes_counts_in_binary_units(n, text):
    assert format_bytes(n) == text


def test_ymax_puts_two_plots_on_one_scale(traced_run):
    own = plot_memory(traced_run.events).axes[0].get_ylim()[1]
    scaled = plot_memory(traced_run.events, ymax=10 * own).axes[0].get_ylim()[1]
    assert scaled == pytest.approx(10 * own * 1.15)
