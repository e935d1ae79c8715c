"""``tensorflow.python.tools``: see `teachflow.python`."""
