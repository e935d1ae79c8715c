"""``tf.math``: math ops under their TF 1.x ``tf.math.*`` names (re-exports)."""
