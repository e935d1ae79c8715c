"""``tensorflow.python.ops.rnn``: the RNN loops where TF 1.0-era programs import them
(``from tensorflow.python.ops import rnn, rnn_cell``; ``rnn.static_rnn(cell, inputs, ...)``)."""

from teachflow.ops.rnn import dynamic_rnn, static_rnn
from teachflow.ops.rnn_bidirectional import bidirectional_dynamic_rnn, static_bidirectional_rnn
from teachflow.ops.rnn_raw import raw_rnn

__all__ = [
    "bidirectional_dynamic_rnn",
    "dynamic_rnn",
    "raw_rnn",
    "static_bidirectional_rnn",
    "static_rnn",
]
