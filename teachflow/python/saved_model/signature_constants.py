"""``tensorflow.python.saved_model.signature_constants``: `teachflow.saved_model.signature_constants` under TensorFlow's path."""

from teachflow.python.alias import alias

alias(__name__, "teachflow.saved_model.signature_constants")
