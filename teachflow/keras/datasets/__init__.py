"""``tf.keras.datasets``: the small data sets Keras downloads and caches.

Each module's ``load_data()`` returns ``(x_train, y_train), (x_test, y_test)`` NumPy arrays,
with Keras' dtypes, shapes and splits.
"""

from teachflow.keras.datasets import boston_housing, cifar10, fashion_mnist, mnist

__all__ = ["boston_housing", "cifar10", "fashion_mnist", "mnist"]
