"""``tensorflow.python.framework.graph_util``: `teachflow.graph_util` under TensorFlow's path."""

from teachflow.python.alias import alias

alias(__name__, "teachflow.graph_util")
