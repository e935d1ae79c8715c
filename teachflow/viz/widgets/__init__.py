"""Live views for a notebook: widgets that update while a session runs.

This module only re-exports (``name as name``); importing it imports anywidget.
"""

from teachflow.viz.widgets.batching import EventBatcher as EventBatcher
from teachflow.viz.widgets.batching import event_to_dict as event_to_dict
from teachflow.viz.widgets.graph_widget import GraphWidget as GraphWidget
from teachflow.viz.widgets.live_timeline import LiveTimeline as LiveTimeline
