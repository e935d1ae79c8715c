"""The usual main op of a SavedModel: initialize what a restore does not set.

>>> import teachflow as tf
>>> tf.reset_default_graph()
>>> tf.saved_model.main_op.main_op().name
'group_deps'
"""

from __future__ import annotations

from teachflow.framework.graph import get_default_graph
from teachflow.framework.scopes import control_dependencies
from teachflow.ops.control_flow_ops import group
from teachflow.ops.lookup_ops import tables_initializer
from teachflow.ops.variables import global_variables_initializer, local_variables_initializer


def main_op():
    """One op grouping the global, local and table initializers."""
    return group(
        global_variables_initializer(), local_variables_initializer(), tables_initializer()
    )


def main_op_with_restore(restore_op_name):
    """``main_op()``, then the restore op named ``restore_op_name``."""
    with control_dependencies([main_op()]):
        return group(get_default_graph().as_graph_element(restore_op_name))
