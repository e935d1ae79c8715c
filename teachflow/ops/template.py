"""``tf.make_template``: a function whose variables are made once and shared thereafter.

The first call runs ``func`` inside a fresh variable scope (``name_``, made unique as
``name__1``, ... when used before) and its ``tf.get_variable`` calls create variables;
every later call re-enters that scope with ``reuse=True``, so the same calls return the same
variables while the ops are built again (under a new name scope each time). Creating a
*trainable* variable on a later call is an error: it was probably a ``tf.Variable`` where a
``tf.get_variable`` was meant.

    >>> import teachflow as tf
    >>> def scale(x):
    ...     w = tf.get_variable("w", [], initializer=tf.constant_initializer(2.0))
    ...     return x * w
    >>> scale_t = tf.make_template("scale", scale)
    >>> a, b = scale_t(tf.constant(1.0)), scale_t(tf.constant(3.0))
    >>> [v.name for v in tf.global_variables()], a.op.name, b.op.name
    (['scale/w:0'], 'scale/mul', 'scale_1/mul')
"""

from __future__ import annotations

import functools
import logging

from teachflow.framework.graph_keys import GraphKeys
from teachflow.framework.scopes import get_collection, get_collection_ref
from teachflow.ops import variable_scope as vs

__all__ = ["make_template", "Template"]

GLOBAL_VARIABLES, TRAINABLE_VARIABLES = GraphKeys.GLOBAL_VARIABLES, GraphKeys.TRAINABLE_VARIABLES


class Template:
    """A function wrapped for variable sharing (see ``make_template``)."""

    def __init__(self, name, func, create_scope_now=False, unique_name=None, custom_getter=None):
        if name is None:
            raise ValueError("name cannot be None.")
        self._func = func
        self._name = name
        self._unique_name = unique_name
        self._custom_getter = custom_getter
        self._variable_scope = None
        if create_scope_now:
            scope_name = self._unique_name or vs._get_unique_variable_scope(self._name)
            with vs._pure_variable_scope(scope_name, custom_getter=custom_getter) as scope:
                self._variable_scope = scope
        self._variables_created = False
        self._first_call = True

    def _call_func(self, args, kwargs):
        if not self._variables_created:
            self._first_call = False
            try:
                result = self._func(*args, **kwargs)
            except BaseException:
                self._first_call = True
                raise
            self._variables_created = True
            return result
        vars_at_start = len(get_collection_ref(GLOBAL_VARIABLES))
        trainable_at_start = len(get_collection_ref(TRAINABLE_VARIABLES))
        result = self._func(*args, **kwargs)
        trainable = get_collection_ref(TRAINABLE_VARIABLES)
        if trainable_at_start != len(trainable):
            raise ValueError(
                "Trainable variable created when calling a template after the first time, "
                "perhaps you used tf.Variable when you meant tf.get_variable: "
                f"{trainable[trainable_at_start:]}"
            )
        created = get_collection_ref(GLOBAL_VARIABLES)
        if vars_at_start != len(created):
            logging.getLogger("tensorflow").info(
                "New variables created when calling a template after the first time, "
                "perhaps you used tf.Variable when you meant tf.get_variable: %s",
                created[vars_at_start:],
            )
        return result

    def __call__(self, *args, **kwargs):
        if self._variable_scope:
            # Re-entering the captured scope: reuse once the first call has made them.
            with vs.variable_scope(self._variable_scope, reuse=not self._first_call):
                return self._call_func(args, kwargs)
        with vs.variable_scope(
            self._unique_name, self._name, custom_getter=self._custom_getter
        ) as scope:
            self._variable_scope = scope
            return self._call_func(args, kwargs)

    @property
    def name(self):
        return self._name

    @property
    def func(self):
        return self._func

    @property
    def variable_scope(self):
        return self._variable_scope

    @property
    def variable_scope_name(self):
        if self._variable_scope:
            name = self._variable_scope.name
            return name if not name or name[-1] == "/" else name + "/"
        return None

    @property
    def trainable_variables(self):
        if not self._variables_created:
            return []
        return get_collection(TRAINABLE_VARIABLES, self.variable_scope_name)

    @property
    def global_variables(self):
        if not self._variables_created:
            return []
        return get_collection(GLOBAL_VARIABLES, self.variable_scope_name)

    @property
    def local_variables(self):
        if not self._variables_created:
            return []
        return get_collection(GraphKeys.LOCAL_VARIABLES, self.variable_scope_name)

    @property
    def variables(self):
        return self.global_variables

    @property
    def non_trainable_variables(self):
        trainable = set(self.trainable_variables)
        return [v for v in self.global_variables if v not in trainable]


def make_template(
    name_, func_, create_scope_now_=False, unique_name_=None, custom_getter_=None, **kwargs
):
    """``func_`` wrapped so that its ``tf.get_variable`` variables are created on the first
    call (in variable scope ``name_``, or ``unique_name_`` exactly) and shared by every
    later call; ``kwargs`` are bound to ``func_``. With ``create_scope_now_`` the scope is
    taken now rather than at the first call."""
    if kwargs:
        func_ = functools.partial(func_, **kwargs)
    return Template(
        name_,
        func_,
        create_scope_now=create_scope_now_,
        unique_name=unique_name_,
        custom_getter=custom_getter_,
    )
