"""Everything a person looks at: the graph, placement, the cluster and timelines.

    >>> import teachflow as tf
    >>> from teachflow import viz
    >>> view = viz.show_graph(tf.Graph())
    >>> view.nodes
    []

Nothing below `teachflow.viz` imports it; matplotlib and Graphviz are imported only when
a view that needs them is drawn. This module only re-exports (``name as name``).
"""

from teachflow.viz.graph_view import GraphView as GraphView
from teachflow.viz.graph_view import graphviz_available as graphviz_available
from teachflow.viz.graph_view import show_graph as show_graph
from teachflow.viz.lanes import pack_lanes as pack_lanes
from teachflow.viz.logdir import LogdirRun as LogdirRun
from teachflow.viz.logdir import ScalarPoint as ScalarPoint
from teachflow.viz.logdir import list_runs as list_runs
from teachflow.viz.logdir import plot_scalars as plot_scalars
from teachflow.viz.logdir import read_logdir as read_logdir
from teachflow.viz.memory_plot import plot_memory as plot_memory
from teachflow.viz.placement_view import PlacementTable as PlacementTable
from teachflow.viz.placement_view import show_placement as show_placement
from teachflow.viz.tensorboard_launcher import TensorBoardProcess as TensorBoardProcess
from teachflow.viz.tensorboard_launcher import start_tensorboard as start_tensorboard
from teachflow.viz.timeline import plot_timeline as plot_timeline
from teachflow.viz.topology import ClusterView as ClusterView
from teachflow.viz.topology import show_cluster as show_cluster
from teachflow.viz.traffic_plot import plot_bytes_groups as plot_bytes_groups
from teachflow.viz.traffic_plot import plot_traffic as plot_traffic
from teachflow.viz.widgets.graph_widget import GraphWidget as GraphWidget
from teachflow.viz.widgets.live_timeline import LiveTimeline as LiveTimeline
