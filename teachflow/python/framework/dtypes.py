"""``tensorflow.python.framework.dtypes``: `teachflow.dtypes` under TensorFlow's path."""

from teachflow.python.alias import alias

alias(__name__, "teachflow.dtypes")
