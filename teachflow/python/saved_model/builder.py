"""``tensorflow.python.saved_model.builder``: `teachflow.saved_model.builder` under TensorFlow's path."""

from teachflow.python.alias import alias

alias(__name__, "teachflow.saved_model.builder")
