"""``tf.keras.utils``: `get_file` (download into Keras' cache) and `to_categorical`."""

from teachflow.keras.utils.categorical import to_categorical
from teachflow.keras.utils.file_cache import get_file, validate_file

__all__ = ["get_file", "to_categorical", "validate_file"]
