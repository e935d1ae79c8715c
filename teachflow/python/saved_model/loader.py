"""``tensorflow.python.saved_model.loader``: `teachflow.saved_model.loader` under TensorFlow's path."""

from teachflow.python.alias import alias

alias(__name__, "teachflow.saved_model.loader")
