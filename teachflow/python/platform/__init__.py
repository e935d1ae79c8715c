"""``tensorflow.python.platform``: see `teachflow.python`."""
