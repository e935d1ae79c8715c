"""Executing a graph inside one process."""
