"""Events: what ran where, when, and what it cost."""
