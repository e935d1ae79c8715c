"""``tensorflow.python.framework.tensor_shape``: `teachflow.framework.shapes` under TensorFlow's path."""

from teachflow.python.alias import alias

alias(__name__, "teachflow.framework.shapes")
