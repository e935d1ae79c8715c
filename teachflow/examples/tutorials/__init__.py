"""TensorFlow 1.x's ``tensorflow.examples.tutorials``: the data loaders its tutorials import."""
