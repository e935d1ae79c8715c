"""``tensorflow.python.platform.gfile``: `teachflow.gfile` under TensorFlow's path."""

from teachflow.python.alias import alias

alias(__name__, "teachflow.gfile")
