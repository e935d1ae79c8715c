"""``tensorflow.python.framework``: see `teachflow.python`."""
