"""``tensorflow.python.ops.rnn_cell``: `teachflow.nn_rnn_cell` under TensorFlow's path."""

from teachflow.python.alias import alias

alias(__name__, "teachflow.nn_rnn_cell")
