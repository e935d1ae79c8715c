"""``tf.nn``: neural-network ops (re-exports)."""
