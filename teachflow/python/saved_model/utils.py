"""``tensorflow.python.saved_model.utils``: `teachflow.saved_model.utils` under TensorFlow's path."""

from teachflow.python.alias import alias

alias(__name__, "teachflow.saved_model.utils")
