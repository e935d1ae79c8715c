"""``tensorflow.python.framework.errors_impl``: `teachflow.errors` under TensorFlow's path."""

from teachflow.python.alias import alias

alias(__name__, "teachflow.framework.errors")
