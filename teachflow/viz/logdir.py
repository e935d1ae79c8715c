"""Reading a TensorBoard log directory back: scalars, histograms, the graph, run metadata.

What a `tf.summary.FileWriter` wrote is read with TensorBoard's own ``EventAccumulator``
(so this sees exactly what TensorBoard shows), and turned into what teachflow's views take:
scalars as `ScalarPoint` lists (and a matplotlib chart with `plot_scalars`), the graph as a
``tf.Graph`` for `teachflow.viz.show_graph`, and each traced run as a ``tf.RunMetadata``
for `teachflow.viz.plot_timeline` and `plot_memory`.

    >>> import tempfile
    >>> import teachflow as tf
    >>> from teachflow import viz
    >>> logdir = tempfile.mkdtemp()
    >>> with tf.summary.FileWriter(logdir) as writer:
    ...     for step, loss in enumerate([0.9, 0.5, 0.3]):
    ...         value = tf.Summary.Value(tag="loss", simple_value=loss)
    ...         writer.add_summary(tf.Summary(value=[value]), step)
    >>> run = viz.read_logdir(logdir)
    >>> [(p.step, round(p.value, 3)) for p in run.scalars["loss"]]
    [(0, 0.9), (1, 0.5), (2, 0.3)]
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from teachflow.proto import messages

__all__ = ["LogdirRun", "ScalarPoint", "list_runs", "plot_scalars", "read_logdir"]


@dataclass(slots=True)
class ScalarPoint:
    """One value of a scalar summary: at ``step``, written at ``wall_time`` (seconds)."""

    step: int
    value: float
    wall_time: float


@dataclass(slots=True)
class HistogramPoint:
    """One histogram summary at ``step`` (TensorFlow's ``HistogramProto``)."""

    step: int
    histogram: messages.HistogramProto
    wall_time: float


@dataclass(slots=True)
class LogdirRun:
    """What one directory of event files holds (a TensorBoard "run").

    ``scalars`` and ``histograms`` map each tag to its points in step order; ``graph_def``
    is the last graph written (TensorFlow's ``GraphDef``, or None); ``run_metadata`` maps
    each ``add_run_metadata`` tag to a ``tf.RunMetadata`` with its step stats.
    """

    logdir: str
    scalars: dict = field(default_factory=dict)
    histograms: dict = field(default_factory=dict)
    images: dict = field(default_factory=dict)  # tag -> number of images written
    graph_def: messages.GraphDef | None = None
    run_metadata: dict = field(default_factory=dict)

    def graph(self):
        """The logged graph as a new ``tf.Graph`` (for `teachflow.viz.show_graph`).

        Raises ValueError when no graph was logged, or when it holds an op type teachflow
        does not have (a graph logged by another program).
        """
        if self.graph_def is None:
            raise ValueError(f"No graph was written to {self.logdir}")
        from teachflow.framework.graph import Graph
        from teachflow.framework.importer import import_graph_def
        from teachflow.summary.tf_messages import node_defs_of_graph_def

        graph = Graph()
        with graph.as_default():
            try:
                import_graph_def(node_defs_of_graph_def(self.graph_def), name="")
            except KeyError as e:
                raise ValueError(f"The graph in {self.logdir} cannot be rebuilt: {e}") from None
        return graph


def _accumulator(logdir: str):
    from tensorboard.backend.event_processing import event_accumulator as ea

    # 0 keeps every event: the default keeps a sample of 10 000 scalars per tag.
    keep_all = {ea.SCALARS: 0, ea.HISTOGRAMS: 0, ea.IMAGES: 0, ea.TENSORS: 0, ea.GRAPH: 0}
    acc = ea.EventAccumulator(logdir, size_guidance=keep_all)
    acc.Reload()
    return acc


def _run_metadata(proto):
    from teachflow.runtime.config import RunMetadata
    from teachflow.summary.tf_messages import step_stats_of_message

    stats = step_stats_of_message(proto.step_stats) if proto.HasField("step_stats") else None
    return RunMetadata(step_stats=stats, partition_graphs=list(proto.partition_graphs))


def read_logdir(logdir) -> LogdirRun:
    """Read the event files directly in ``logdir`` (one run; see `list_runs` for several).

    Raises FileNotFoundError for a directory that does not exist.
    """
    logdir = str(logdir)
    if not os.path.isdir(logdir):
        raise FileNotFoundError(f"No such log directory: {logdir}")
    acc = _accumulator(logdir)
    tags = acc.Tags()
    run = LogdirRun(logdir)
    for tag in tags["scalars"]:
        run.scalars[tag] = [ScalarPoint(e.step, e.value, e.wall_time) for e in acc.Scalars(tag)]
    for tag in tags["histograms"]:
        run.histograms[tag] = [
            HistogramPoint(e.step, _histogram_proto(e.histogram_value), e.wall_time)
            for e in acc.Histograms(tag)
        ]
    for tag in tags["images"]:
        run.images[tag] = len(acc.Images(tag))
    if tags["graph"]:
        run.graph_def = acc.Graph()
    for tag in tags["run_metadata"]:
        run.run_metadata[tag] = _run_metadata(acc.RunMetadata(tag))
    return run


def _histogram_proto(value) -> messages.HistogramProto:
    return messages.HistogramProto(
        min=value.min,
        max=value.max,
        num=value.num,
        sum=value.sum,
        sum_squares=value.sum_squares,
        bucket_limit=value.bucket_limit,
        bucket=value.bucket,
    )


def list_runs(logdir) -> dict:
    """``{run name: LogdirRun}`` for ``logdir`` and every directory under it that holds
    event files, named by their path relative to ``logdir`` ("." for ``logdir`` itself)."""
    from tensorboard.backend.event_processing import io_wrapper

    logdir = str(logdir)
    runs = {}
    for path in sorted(io_wrapper.GetLogdirSubdirectories(logdir)):
        runs[os.path.relpath(path, logdir)] = read_logdir(path)
    return runs


def plot_scalars(logdir, tags=None, *, ax=None):
    """A matplotlib ``Figure``: each scalar tag's value against the step, one line per run
    (the subdirectories of ``logdir``) and tag. ``tags``: a tag or a list of them (all
    when None).

    Raises ValueError when there is no scalar to draw.

    >>> import tempfile
    >>> import teachflow as tf
    >>> from teachflow import viz
    >>> logdir = tempfile.mkdtemp()
    >>> with tf.summary.FileWriter(logdir) as w:
    ...     w.add_summary(tf.Summary(value=[tf.Summary.Value(tag="loss", simple_value=1)]), 0)
    >>> fig = viz.plot_scalars(logdir, "loss")
    """
    import matplotlib.pyplot as plt

    wanted = [tags] if isinstance(tags, str) else tags
    runs = list_runs(logdir)
    lines = []
    for run_name, run in runs.items():
        for tag, points in run.scalars.items():
            if wanted is None or tag in wanted:
                label = tag if len(runs) == 1 else f"{run_name}: {tag}"
                lines.append((label, [p.step for p in points], [p.value for p in points]))
    if not lines:
        have = sorted({t for r in runs.values() for t in r.scalars})
        raise ValueError(f"No scalars {wanted or ''} in {logdir}; it has: {have}")
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 3.5))
    else:
        fig = ax.figure
    for label, steps, values in lines:
        ax.plot(steps, values, marker="." if len(steps) < 50 else None, label=label)
    ax.set_xlabel("step")
    ax.set_ylabel("value")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    return fig
