"""TF1's two-level random seeds: one per graph, one per op.

Every random op carries two integer attributes, ``seed`` and ``seed2``. They come from
`get_seed`, which combines the graph-level seed (``tf.set_random_seed``) with the op's own
``seed=`` argument by TensorFlow's rule:

============================  ===========================================================
graph seed / op seed          the op's (seed, seed2)
============================  ===========================================================
set / given                   (graph seed, op seed)
set / None                    (graph seed, n) for the graph's n-th such op (0, 1, 2, ...) —
                              so every op differs, yet the same program builds the same
                              seeds every time
unset / given                 (DEFAULT_GRAPH_SEED, op seed)
unset / None                  (None, None): fresh entropy in each new session
============================  ===========================================================

    >>> import teachflow as tf
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     tf.set_random_seed(1)
    ...     print(tf.random.get_seed(7))
    (1, 7)
"""

from __future__ import annotations

import weakref

from teachflow.framework.graph import get_default_graph

__all__ = ["set_random_seed", "get_seed", "DEFAULT_GRAPH_SEED"]

DEFAULT_GRAPH_SEED = 87654321
_MAXINT32 = 2**31 - 1
# How many ops of each graph took their op seed from the graph seed (TF 2.x's
# ``_graph_to_seed_dict``, which tf.compat.v1 uses too; TF 1.x took the graph's last op
# id instead, so TF 1.x and TF 2.x programs that set only a graph seed differ).
_graph_to_seed_count: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _truncate_seed(seed: int) -> int:
    # Seeds travel as int64 attributes but TF folds them into the int32 range.
    return int(seed) % _MAXINT32


def get_seed(op_seed):
    """The ``(seed, seed2)`` pair a random op should use, given its ``seed=`` argument."""
    graph = get_default_graph()
    global_seed = graph.seed
    if global_seed is not None:
        if op_seed is None:
            # A per-graph count: deterministic for a given program, and different for
            # every random op that asks.
            op_seed = _graph_to_seed_count.setdefault(graph, 0)
            _graph_to_seed_count[graph] = op_seed + 1
        seeds = _truncate_seed(global_seed), _truncate_seed(op_seed)
    elif op_seed is not None:
        seeds = DEFAULT_GRAPH_SEED, _truncate_seed(op_seed)
    else:
        seeds = None, None
    # (0, 0) would mean "nondeterministic" to the kernel; TF avoids that collision.
    if seeds == (0, 0):
        return 0, _MAXINT32
    return seeds


def set_random_seed(seed) -> None:
    """Set the graph-level seed of the default graph (``tf.set_random_seed``).

    Random ops built afterwards derive their seeds from it, so a program that sets it
    gets the same random values in every new session::

        tf.set_random_seed(42)
        x = tf.random_normal([2])
        with tf.Session() as s1, tf.Session() as s2:
            assert (s1.run(x) == s2.run(x)).all()
    """
    get_default_graph().seed = None if seed is None else int(seed)
