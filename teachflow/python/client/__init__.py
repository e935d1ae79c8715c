"""``tensorflow.python.client``: see `teachflow.python`."""
