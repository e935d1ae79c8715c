"""``tensorflow.examples.tutorials.mnist``: ``from ... import input_data``, as TF 1.x courses write."""
