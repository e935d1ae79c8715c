"""``tensorflow.python.platform.tf_logging``: `teachflow.logging` under TensorFlow's path."""

from teachflow.python.alias import alias

alias(__name__, "teachflow.logging")
