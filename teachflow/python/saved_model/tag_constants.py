"""``tensorflow.python.saved_model.tag_constants``: `teachflow.saved_model.tag_constants` under TensorFlow's path."""

from teachflow.python.alias import alias

alias(__name__, "teachflow.saved_model.tag_constants")
