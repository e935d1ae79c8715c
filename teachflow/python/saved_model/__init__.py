"""``tensorflow.python.saved_model``: see `teachflow.python`."""
