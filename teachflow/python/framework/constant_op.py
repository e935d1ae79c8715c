"""``tensorflow.python.framework.constant_op``: `teachflow.ops.constant_op` under TensorFlow's path."""

from teachflow.python.alias import alias

alias(__name__, "teachflow.ops.constant_op")
