"""``tf.train.warm_start``: start a new model's variables from an older model's checkpoint.

Warm-starting sets the *initializers* of chosen variables to read from a checkpoint (as
`tf.train.init_from_checkpoint` does), so the next ``global_variables_initializer`` run
loads them; the rest start from their own initializers. ``vars_to_warm_start`` picks
variables: a regex over ``TRAINABLE_VARIABLES`` (default ``".*"``), a list of regexes
over ``GLOBAL_VARIABLES``, or a list of variables. ``var_name_to_prev_var_name`` renames:
the variable ``new`` reads the checkpoint's tensor ``old``.

    >>> import os, tempfile
    >>> import teachflow as tf
    >>> prefix = os.path.join(tempfile.mkdtemp(), "old")
    >>> with tf.Graph().as_default():
    ...     old = tf.Variable([1.0, 2.0], name="old_w")
    ...     with tf.Session() as sess:
    ...         sess.run(old.initializer)
    ...         _ = tf.train.Saver().save(sess, prefix)
    >>> with tf.Graph().as_default():
    ...     w = tf.Variable([0.0, 0.0], name="w")
    ...     tf.train.warm_start(prefix, var_name_to_prev_var_name={"w": "old_w"})
    ...     with tf.Session() as sess:
    ...         sess.run(tf.global_variables_initializer())
    ...         print(sess.run(w))
    [1. 2.]

Warm-starting an embedding through a changed vocabulary (`VocabInfo`) needs TensorFlow's
``LoadAndRemapMatrix`` kernel, which teachflow does not have: it raises
`tf.errors.UnimplementedError`.
"""

from __future__ import annotations

import collections
import re

from teachflow import logging
from teachflow.framework import errors
from teachflow.framework.graph import get_default_graph
from teachflow.framework.graph_keys import GraphKeys
from teachflow.train.checkpoint_utils import init_from_checkpoint

__all__ = ["VocabInfo", "warm_start"]


class VocabInfo(
    collections.namedtuple(
        "VocabInfo",
        [
            "new_vocab",
            "new_vocab_size",
            "num_oov_buckets",
            "old_vocab",
            "old_vocab_size",
            "backup_initializer",
            "axis",
        ],
    )
):
    """How to remap a variable whose rows (``axis=0``) or columns (``axis=1``) follow a
    vocabulary file that changed between the checkpoint and the new model.

        >>> import teachflow as tf
        >>> tf.train.VocabInfo("new.txt", 100, 1, "old.txt").old_vocab_size
        -1
    """

    def __new__(
        cls,
        new_vocab,
        new_vocab_size,
        num_oov_buckets,
        old_vocab,
        old_vocab_size=-1,
        backup_initializer=None,
        axis=0,
    ):
        if axis not in (0, 1):
            raise ValueError(
                f"The only supported values for the axis argument are 0 and 1.  Provided axis: {axis}"
            )
        return super().__new__(
            cls,
            new_vocab,
            new_vocab_size,
            num_oov_buckets,
            old_vocab,
            old_vocab_size,
            backup_initializer,
            axis,
        )


def _is_variable(v) -> bool:
    return hasattr(v, "initializer") and hasattr(v, "op") and hasattr(v, "dtype")


def _scoped(key, pattern):
    return [v for v in get_default_graph().get_collection(key) if re.match(pattern, v.op.name)]


def _grouped_variables(vars_to_warm_start) -> dict:
    """variable name -> [variable], the variables ``vars_to_warm_start`` picks."""
    if isinstance(vars_to_warm_start, str) or vars_to_warm_start is None:
        logging.info("Warm-starting variables only in TRAINABLE_VARIABLES.")
        chosen = get_default_graph().get_collection(GraphKeys.TRAINABLE_VARIABLES)
        if vars_to_warm_start is not None:
            chosen = _scoped(GraphKeys.TRAINABLE_VARIABLES, vars_to_warm_start)
    elif isinstance(vars_to_warm_start, list):
        if all(isinstance(v, str) for v in vars_to_warm_start):
            chosen = [v for p in vars_to_warm_start for v in _scoped(GraphKeys.GLOBAL_VARIABLES, p)]
        elif all(_is_variable(v) for v in vars_to_warm_start):
            chosen = vars_to_warm_start
        else:
            raise ValueError(
                "If `vars_to_warm_start` is a list, it must be all `Variable` or all `str`.  "
                f"Given types are {[type(v) for v in vars_to_warm_start]}"
            )
    else:
        raise ValueError(
            "`vars_to_warm_start must be a `list` or `str`.  Given type is "
            f"{type(vars_to_warm_start)}"
        )
    grouped = {}
    for v in chosen:
        # A partitioned variable's shards go together, under its full name (as TF's).
        info = getattr(v, "_save_slice_info", None)
        grouped.setdefault(v.op.name if info is None else info.full_name, []).append(v)
    return grouped


def warm_start(
    ckpt_to_initialize_from,
    vars_to_warm_start=".*",
    var_name_to_vocab_info=None,
    var_name_to_prev_var_name=None,
):
    """Make the chosen variables' initializers read ``ckpt_to_initialize_from`` (a
    checkpoint prefix or directory); see the module docstring. ValueError for a name in
    ``var_name_to_prev_var_name`` or ``var_name_to_vocab_info`` that matched no variable."""
    logging.info(f"Warm-starting from: {ckpt_to_initialize_from}")
    grouped = _grouped_variables(vars_to_warm_start)
    vocab_infos = var_name_to_vocab_info or {}
    renames = var_name_to_prev_var_name or {}
    count, renamed, vocab_used, vocabless = 0, set(), set(), {}
    for var_name, variable in grouped.items():
        prev_name = renames.get(var_name)
        if prev_name:
            renamed.add(var_name)
        if vocab_infos.get(var_name):
            vocab_used.add(var_name)
            raise errors.UnimplementedError(
                None,
                None,
                f"Warm-starting {var_name} through a vocabulary (VocabInfo) needs "
                "LoadAndRemapMatrix, which teachflow does not implement.",
            )
        if not vars_to_warm_start:
            continue
        count += 1
        var = variable[0] if len(variable) == 1 else variable
        tensor_name = prev_name or var_name
        if tensor_name in vocabless:
            # One checkpoint tensor for two variables: the map holds one variable per
            # tensor, so the ones so far are set up first.
            init_from_checkpoint(ckpt_to_initialize_from, vocabless)
            vocabless.clear()
        vocabless[tensor_name] = var
    if vocabless:
        init_from_checkpoint(ckpt_to_initialize_from, vocabless)
    logging.info("Warm-started %d variables.", count)
    for what, given, used in (
        ("var_name_to_prev_var_name", renames, renamed),
        ("var_name_to_vocab_info", vocab_infos, vocab_used),
    ):
        unused = set(given) - used
        if unused:
            raise ValueError(
                f"You provided the following variables in {what} that were not used: "
                f"{unused}.  Perhaps you misspelled them?  Here is the list of viable "
                f"variable names: {grouped.keys()}"
            )
