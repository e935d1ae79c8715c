"""``tensorflow.python.framework.errors``: `teachflow.errors` under TensorFlow's path."""

from teachflow.python.alias import alias

alias(__name__, "teachflow.framework.errors")
