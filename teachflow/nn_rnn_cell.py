"""``tf.nn.rnn_cell``: TF1's recurrent cells (re-exports).

>>> import teachflow as tf
>>> tf.nn.rnn_cell.BasicLSTMCell(4).state_size
LSTMStateTuple(c=4, h=4)
"""

from teachflow.ops.rnn_cell import (
    BasicLSTMCell,
    BasicRNNCell,
    GRUCell,
    LSTMCell,
    LSTMStateTuple,
    RNNCell,
)
from teachflow.ops.rnn_cell_wrappers import (
    DeviceWrapper,
    DropoutWrapper,
    MultiRNNCell,
    ResidualWrapper,
)

__all__ = [
    "BasicLSTMCell",
    "BasicRNNCell",
    "DeviceWrapper",
    "DropoutWrapper",
    "GRUCell",
    "LSTMCell",
    "LSTMStateTuple",
    "MultiRNNCell",
    "RNNCell",
    "ResidualWrapper",
]
