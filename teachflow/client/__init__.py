"""Mirrors ``tensorflow.python.client``: ``from teachflow.client import timeline``."""
