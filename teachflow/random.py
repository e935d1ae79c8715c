"""``tf.random``: random ops under their ``tf.random.*`` names (re-exports)."""
