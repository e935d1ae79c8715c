"""TF 0.x's spellings of the scopes, kept in TF 1 (deprecated) and in ``tf.compat.v1``:
older tutorials open their ops' scopes with ``tf.op_scope(values, name, default_name)``.

    >>> import teachflow as tf
    >>> x = tf.constant(1.0)
    >>> with tf.op_scope([x], None, "MyOp") as scope:
    ...     print(scope)
    MyOp/
"""

from __future__ import annotations

import contextlib

from teachflow.framework.scopes import name_scope
from teachflow.ops.variable_scope import variable_scope

__all__ = ["op_scope", "variable_op_scope"]


@contextlib.contextmanager
def op_scope(values, name, default_name=None):
    """``name_scope(name, default_name, values)``."""
    with name_scope(name, default_name, values) as scope:
        yield scope


def variable_op_scope(values, name_or_scope, default_name=None, **kwargs):
    """``variable_scope(name_or_scope, default_name, values, ...)``."""
    return variable_scope(name_or_scope, default_name, values, **kwargs)
