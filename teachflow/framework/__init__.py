"""Building graphs: nothing in this package executes."""
