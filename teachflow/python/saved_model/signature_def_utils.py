"""``tensorflow.python.saved_model.signature_def_utils``: `teachflow.saved_model.signature_def_utils` under TensorFlow's path."""

from teachflow.python.alias import alias

alias(__name__, "teachflow.saved_model.signature_def_utils")
