"""``tf.keras``, as far as a TF1 program needs it beside graphs: datasets and their helpers.

teachflow re-implements TF1's graph runtime; Keras' models and layers are out of scope
(``tf.layers`` is TF1's layer API and teachflow has it). What TF1 courses do take from Keras
is here:

* `tf.keras.datasets` -- ``mnist``, ``fashion_mnist``, ``cifar10``, ``boston_housing``
  ``.load_data()``, from Keras' URLs into Keras' cache (``~/.keras/datasets``, or
  ``$KERAS_HOME/datasets``);
* `tf.keras.utils` -- ``to_categorical`` and ``get_file``.

Any other ``tf.keras`` name is an AttributeError that says what to use instead.

    >>> import teachflow as tf
    >>> tf.keras.utils.to_categorical([0, 2], num_classes=3)
    array([[1., 0., 0.],
           [0., 0., 1.]], dtype=float32)
    >>> tf.keras.layers
    Traceback (most recent call last):
    ...
    AttributeError: teachflow's tf.keras has only tf.keras.datasets and tf.keras.utils; Keras' layers, models and training loops are out of scope: use tf.layers (e.g. tf.layers.dense, tf.layers.conv2d) and a tf.train optimizer, as TF1 programs do, for tf.keras.layers
"""

from teachflow.keras import datasets, utils

__all__ = ["datasets", "utils"]


def __getattr__(name: str):
    # Module-level __getattr__ runs only for names the module lacks, so this is the
    # message for the rest of Keras (layers, models, optimizers, backend, ...).
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(
        "teachflow's tf.keras has only tf.keras.datasets and tf.keras.utils; Keras' layers, "
        "models and training loops are out of scope: use tf.layers (e.g. tf.layers.dense, "
        f"tf.layers.conv2d) and a tf.train optimizer, as TF1 programs do, for tf.keras.{name}"
    )
