"""``tensorflow.python.client.timeline``: `teachflow.client.timeline` under TensorFlow's path."""

from teachflow.python.alias import alias

alias(__name__, "teachflow.client.timeline")
