"""``tensorflow.python.ops``: see `teachflow.python`."""
