"""``tf.variable_scope`` and ``tf.get_variable``: variables named, created once and shared.

``tf.Variable`` always makes a new variable. ``tf.get_variable`` instead looks a name up
in the graph's *variable store*: the full name is the variable scope plus the name
("layer/w"), and the scope's ``reuse`` flag decides what happens:

* ``reuse=False`` (the default): create it; an existing name is an error, so two layers
  never share weights by accident;
* ``reuse=True``: return the existing one; a missing name is an error;
* ``reuse=tf.AUTO_REUSE``: create it the first time, return it afterwards.

    >>> import teachflow as tf
    >>> with tf.variable_scope("layer"):
    ...     w1 = tf.get_variable("w", [2, 2])
    >>> with tf.variable_scope("layer", reuse=True):
    ...     w2 = tf.get_variable("w")
    >>> w1 is w2, w2.name
    (True, 'layer/w:0')

A variable scope also opens a *name scope* of the same name for the ops built inside it
(uniquified like any name scope: "layer_1/add" the second time), but variables are named by
the variable scope alone — that is why a reused "layer/w" keeps its name.
"""

from __future__ import annotations

import contextlib
import enum
import functools

from teachflow.framework import dtypes
from teachflow.framework.graph import GraphKeys, get_default_graph
from teachflow.framework.scopes import name_scope
from teachflow.ops.variable_store import get_default_variable_store

__all__ = [
    "AUTO_REUSE",
    "VariableScope",
    "variable_scope",
    "get_variable",
    "get_local_variable",
    "get_variable_scope",
    "no_regularizer",
]


class _ReuseMode(enum.Enum):
    """``reuse=tf.AUTO_REUSE``: create a variable if missing, return it if present."""

    AUTO_REUSE = 1


AUTO_REUSE = _ReuseMode.AUTO_REUSE

# The scope store lives in a graph collection under this key, as in TensorFlow.
_VARSCOPESTORE_KEY = ("__varscope",)


def no_regularizer(_):
    """Use as ``regularizer=tf.no_regularizer`` to switch off a scope's regularizer."""
    return None


# -- variable scopes ----------------------------------------------------------------------------
class VariableScope:
    """What a ``with tf.variable_scope(...)`` block sets for the variables inside it:
    their name prefix, ``reuse`` flag and defaults (initializer, dtype, regularizer...).

        >>> import teachflow as tf
        >>> with tf.variable_scope("enc") as scope:
        ...     scope.name, scope.reuse
        ('enc', False)
    """

    def __init__(
        self,
        reuse,
        name="",
        initializer=None,
        regularizer=None,
        caching_device=None,
        partitioner=None,
        custom_getter=None,
        name_scope="",
        dtype=dtypes.float32,
        use_resource=None,
        constraint=None,
    ):
        self._name = name
        self._initializer = initializer
        self._regularizer = regularizer
        self._reuse = reuse
        self._caching_device = caching_device
        self._partitioner = partitioner
        self._custom_getter = custom_getter
        self._name_scope = name_scope
        self._dtype = dtype
        self._use_resource = use_resource
        self._constraint = constraint

    name = property(lambda self: self._name)
    original_name_scope = property(lambda self: self._name_scope)
    reuse = property(lambda self: self._reuse)
    initializer = property(lambda self: self._initializer)
    dtype = property(lambda self: self._dtype)
    use_resource = property(lambda self: self._use_resource)
    regularizer = property(lambda self: self._regularizer)
    caching_device = property(lambda self: self._caching_device)
    partitioner = property(lambda self: self._partitioner)
    custom_getter = property(lambda self: self._custom_getter)
    constraint = property(lambda self: self._constraint)

    def reuse_variables(self) -> None:
        """From now on this scope (and scopes opened inside it) reuse variables."""
        self._reuse = True

    def set_initializer(self, initializer) -> None:
        self._initializer = initializer

    def set_dtype(self, dtype) -> None:
        self._dtype = dtype

    def set_use_resource(self, use_resource) -> None:
        self._use_resource = use_resource

    def set_regularizer(self, regularizer) -> None:
        self._regularizer = regularizer

    def set_caching_device(self, caching_device) -> None:
        self._caching_device = caching_device

    def set_partitioner(self, partitioner) -> None:
        self._partitioner = partitioner

    def set_custom_getter(self, custom_getter) -> None:
        self._custom_getter = custom_getter

    def get_collection(self, name) -> list:
        scope = self._name + "/" if self._name else ""
        return get_default_graph().get_collection(name, scope)

    def trainable_variables(self) -> list:
        return self.get_collection(GraphKeys.TRAINABLE_VARIABLES)

    def global_variables(self) -> list:
        return self.get_collection(GraphKeys.GLOBAL_VARIABLES)

    def local_variables(self) -> list:
        return self.get_collection(GraphKeys.LOCAL_VARIABLES)

    def get_variable(
        self,
        var_store,
        name,
        shape=None,
        dtype=None,
        initializer=None,
        regularizer=None,
        reuse=None,
        trainable=None,
        collections=None,
        caching_device=None,
        partitioner=None,
        validate_shape=True,
        use_resource=None,
        custom_getter=None,
        constraint=None,
        **kwargs,
    ):
        """The scope's defaults filled in, then the store's lookup-or-create."""
        if regularizer is None:
            regularizer = self._regularizer
        if caching_device is None:
            caching_device = self._caching_device
        if partitioner is None:
            partitioner = self._partitioner
        if custom_getter is None:
            custom_getter = self._custom_getter
        if reuse is None:
            reuse = self._reuse
        full_name = self._name + "/" + name if self._name else name
        # Variable names depend only on the variable scope: build at the root name scope.
        with name_scope(None):
            if dtype is not None and initializer is not None and not callable(initializer):
                init_dtype = _value_dtype(initializer)
                if init_dtype is not dtypes.as_dtype(dtype).base_dtype:
                    raise ValueError(
                        f"Initializer type '{init_dtype}' and explicit dtype "
                        f"'{dtypes.as_dtype(dtype)}' don't match."
                    )
            if initializer is None:
                initializer = self._initializer
            if constraint is None:
                constraint = self._constraint
            if dtype is None:
                dtype = self._dtype
            return var_store.get_variable(
                full_name,
                shape=shape,
                dtype=dtype,
                initializer=initializer,
                regularizer=regularizer,
                reuse=reuse,
                trainable=trainable,
                collections=collections,
                caching_device=caching_device,
                partitioner=partitioner,
                validate_shape=validate_shape,
                use_resource=use_resource,
                custom_getter=custom_getter,
                constraint=constraint,
            )

    def __repr__(self):
        return f"<VariableScope {self._name!r} reuse={self._reuse}>"


def _value_dtype(value):
    """The dtype ``tf.constant(value)`` would have, without adding an op to the graph."""
    if hasattr(value, "dtype"):
        return dtypes.as_dtype(value.dtype).base_dtype
    from teachflow.framework.conversion import convert_to_tensor
    from teachflow.framework.graph import Graph

    with Graph().as_default():
        return convert_to_tensor(value).dtype.base_dtype


class _VariableScopeStore:
    """The current scope of a graph, and how often each scope name has been opened
    (so ``default_name`` scopes become "block", "block_1", ...)."""

    def __init__(self):
        self.current_scope = VariableScope(False)
        self.variable_scopes_count = {}
        # Scope name -> the names directly below it, so that closing a scope visits its
        # own subscopes only. TF scans every scope ever opened on each exit, which makes
        # building a model of 8000 scopes take 20 s here.
        self._children = {}

    def open_variable_scope(self, scope_name):
        self.variable_scopes_count[scope_name] = self.variable_scopes_count.get(scope_name, 0) + 1
        self._index(scope_name)

    def _index(self, name):
        while "/" in name:
            parent = name.rsplit("/", 1)[0]
            below = self._children.setdefault(parent, set())
            if name in below:
                return
            below.add(name)
            name = parent

    def close_variable_subscopes(self, scope_name):
        # A count of zero and no count are the same (`variable_scope_count`): the subscopes
        # are forgotten, so each is visited once after it was opened.
        if scope_name is None:
            self.variable_scopes_count.clear()
            self._children.clear()
            return
        stack = list(self._children.pop(scope_name, ()))
        while stack:
            name = stack.pop()
            self.variable_scopes_count.pop(name, None)
            stack.extend(self._children.pop(name, ()))

    def restore_counts(self, counts):
        """Put back the counts saved on entering a scope object (rebuilding the index)."""
        self.variable_scopes_count = counts
        self._children = {}
        for name in counts:
            self._index(name)

    def variable_scope_count(self, scope_name):
        return self.variable_scopes_count.get(scope_name, 0)


def _get_variable_scope_store() -> _VariableScopeStore:
    graph = get_default_graph()
    stores = graph.get_collection(_VARSCOPESTORE_KEY)
    if stores:
        return stores[0]
    store = _VariableScopeStore()
    graph.add_to_collection(_VARSCOPESTORE_KEY, store)
    return store


def get_variable_scope() -> VariableScope:
    """The variable scope in effect (the root scope has name "")."""
    return _get_variable_scope_store().current_scope


def _maybe_wrap_custom_getter(custom_getter, old_getter):
    """Nested scopes' custom getters compose: the inner one sees the outer as its getter."""
    if old_getter is None:
        return custom_getter

    def wrapped_custom_getter(getter, *args, **kwargs):
        return custom_getter(functools.partial(old_getter, getter), *args, **kwargs)

    return wrapped_custom_getter


class _pure_variable_scope:  # noqa: N801 - TensorFlow's name
    """Switch the current VariableScope (no name scope): the core of `variable_scope`."""

    def __init__(
        self,
        name_or_scope,
        reuse=None,
        initializer=None,
        regularizer=None,
        caching_device=None,
        partitioner=None,
        custom_getter=None,
        old_name_scope=None,
        dtype=None,
        use_resource=None,
        constraint=None,
    ):
        self._name_or_scope = name_or_scope
        self._reuse = reuse
        self._settings = dict(
            initializer=initializer,
            regularizer=regularizer,
            caching_device=caching_device,
            partitioner=partitioner,
            dtype=dtype,
            use_resource=use_resource,
            constraint=constraint,
        )
        self._custom_getter = custom_getter
        self._old_name_scope = old_name_scope
        self._store = _get_variable_scope_store()

    def _apply_settings(self, scope):
        for key, value in self._settings.items():
            if value is not None:
                getattr(scope, "set_" + key)(value)
        if self._custom_getter is not None:
            scope.set_custom_getter(
                _maybe_wrap_custom_getter(self._custom_getter, scope.custom_getter)
            )

    def __enter__(self):
        self._old = self._store.current_scope
        if isinstance(self._name_or_scope, VariableScope):
            # Re-entering a scope object: its own reuse flag, not the enclosing one.
            src = self._name_or_scope
            self._new_name = src.name
            scope = VariableScope(
                src.reuse if not self._reuse else self._reuse,
                name=src.name,
                initializer=src.initializer,
                regularizer=src.regularizer,
                caching_device=src.caching_device,
                partitioner=src.partitioner,
                custom_getter=src.custom_getter,
                name_scope=src.original_name_scope,
                dtype=src.dtype,
                use_resource=src.use_resource,
                constraint=src.constraint,
            )
            self._apply_settings(scope)
            self._store.open_variable_scope(self._new_name)
            self._old_subscopes = dict(self._store.variable_scopes_count)
        else:
            old = self._old
            self._new_name = (
                old.name + "/" + self._name_or_scope if old.name else self._name_or_scope
            )
            # Reuse is inherited: once a scope reuses, every scope inside it does too.
            reuse = self._reuse or old.reuse
            scope = VariableScope(
                reuse,
                name=self._new_name,
                initializer=old.initializer,
                regularizer=old.regularizer,
                caching_device=old.caching_device,
                partitioner=old.partitioner,
                custom_getter=old.custom_getter,
                name_scope=self._old_name_scope
                if self._old_name_scope is not None
                else self._name_or_scope,
                dtype=old.dtype,
                use_resource=old.use_resource,
                constraint=old.constraint,
            )
            self._apply_settings(scope)
            self._store.open_variable_scope(self._new_name)
        self._store.current_scope = scope
        return scope

    def __exit__(self, *exc):
        if isinstance(self._name_or_scope, VariableScope):
            self._store.restore_counts(self._old_subscopes)
        else:
            self._store.close_variable_subscopes(self._new_name)
        self._store.current_scope = self._old


def _get_unique_variable_scope(prefix):
    store = _get_variable_scope_store()
    current = store.current_scope
    name = current.name + "/" + prefix if current.name else prefix
    if store.variable_scope_count(name) == 0:
        return prefix
    idx = 1
    while store.variable_scope_count(f"{name}_{idx}") > 0:
        idx += 1
    return f"{prefix}_{idx}"


class variable_scope:  # noqa: N801 - TensorFlow's name
    """A context manager for defining ops that create variables (layers).

    ``name_or_scope`` is a string or a `VariableScope` (re-entering it); with None, a
    unique scope is made from ``default_name``. ``reuse``: True, ``tf.AUTO_REUSE`` or
    None (inherit; False means the same). ``initializer``, ``regularizer``, ``dtype``...
    become the defaults of `get_variable` inside. Raises TypeError without a name and a
    default name, ValueError for ``reuse=True`` with only a default name.

        >>> import teachflow as tf
        >>> with tf.variable_scope("foo"):
        ...     with tf.variable_scope("bar"):
        ...         v = tf.get_variable("v", [1])
        >>> v.name
        'foo/bar/v:0'
    """

    def __init__(
        self,
        name_or_scope,
        default_name=None,
        values=None,
        initializer=None,
        regularizer=None,
        caching_device=None,
        partitioner=None,
        custom_getter=None,
        reuse=None,
        dtype=None,
        use_resource=None,
        constraint=None,
        auxiliary_name_scope=True,
    ):
        if default_name is None and name_or_scope is None:
            raise TypeError("If default_name is None then name_or_scope is required")
        if reuse is False:
            reuse = None  # non-inheriting scopes do not exist: False means "inherit"
        if not (reuse is True or reuse is None or reuse is AUTO_REUSE):
            raise ValueError("The reuse parameter must be True or False or None.")
        self._name_or_scope = name_or_scope
        self._default_name = default_name
        self._values = values or []
        self._settings = dict(
            reuse=reuse,
            initializer=initializer,
            regularizer=regularizer,
            caching_device=caching_device,
            partitioner=partitioner,
            custom_getter=custom_getter,
            dtype=dtype,
            use_resource=use_resource,
            constraint=constraint,
        )
        self._auxiliary_name_scope = auxiliary_name_scope

    def __enter__(self) -> VariableScope:
        if self._name_or_scope is not None and not isinstance(
            self._name_or_scope, (VariableScope, str)
        ):
            raise TypeError("VariableScope: name_or_scope must be a string or VariableScope.")
        if self._name_or_scope is None and self._settings["reuse"]:
            raise ValueError("reuse=True cannot be used without a name_or_scope")
        graph = _graph_of(self._values)
        self._stack = contextlib.ExitStack()
        self._stack.enter_context(graph.as_default())
        current = graph.get_name_scope()
        if isinstance(self._name_or_scope, VariableScope):
            ns_name = self._name_or_scope.name.split("/")[-1]
        else:
            ns_name = self._name_or_scope or self._default_name
        if not self._auxiliary_name_scope or not ns_name:
            # No new name scope: ops keep going where they were (re-entering the root
            # scope with ``tf.variable_scope(tf.get_variable_scope())`` is the common case).
            ns_string = current + "/" if current else ""
        else:
            ns_string = self._stack.enter_context(graph.name_scope(ns_name))
        try:
            if self._name_or_scope is None:
                target = _get_unique_variable_scope(self._default_name)
                old_name_scope = ns_string
            elif isinstance(self._name_or_scope, VariableScope):
                target = self._name_or_scope
                old_name_scope = None
            else:
                target = self._name_or_scope
                old_name_scope = ns_string
            self._pure = _pure_variable_scope(
                target, old_name_scope=old_name_scope, **self._settings
            )
            return self._pure.__enter__()
        except BaseException:
            self._stack.close()
            raise

    def __exit__(self, *exc):
        self._pure.__exit__(*exc)
        self._stack.close()


def _graph_of(values):
    """The graph of the first tensor-like value (``values=``), else the default graph."""
    for v in values:
        graph = getattr(v, "graph", None)
        if graph is not None and hasattr(graph, "create_op"):
            return graph
    return get_default_graph()


def get_variable(
    name,
    shape=None,
    dtype=None,
    initializer=None,
    regularizer=None,
    trainable=None,
    collections=None,
    caching_device=None,
    partitioner=None,
    validate_shape=True,
    use_resource=None,
    custom_getter=None,
    constraint=None,
    synchronization=None,
    aggregation=None,
):
    """The variable ``<scope>/<name>``: created, or shared when the scope reuses.

    A new variable gets ``initializer(shape, dtype)`` (default: glorot-uniform for floats,
    zeros for integers) built under ``<name>/Initializer/``; ``initializer`` may also be a
    value or tensor (then no ``shape``). Raises ValueError when the variable exists and the
    scope does not reuse, when it is missing and the scope reuses, or on a shape/dtype
    mismatch with the existing variable.

        >>> import teachflow as tf
        >>> with tf.variable_scope("dense"):
        ...     w = tf.get_variable("kernel", [3, 2])
        >>> w.name, w.initial_value.op.name
        ('dense/kernel:0', 'dense/kernel/Initializer/random_uniform')
    """
    return get_variable_scope().get_variable(
        get_default_variable_store(),
        name,
        shape=shape,
        dtype=dtype,
        initializer=initializer,
        regularizer=regularizer,
        trainable=trainable,
        collections=collections,
        caching_device=caching_device,
        partitioner=partitioner,
        validate_shape=validate_shape,
        use_resource=use_resource,
        custom_getter=custom_getter,
        constraint=constraint,
    )


def get_local_variable(
    name,
    shape=None,
    dtype=None,
    initializer=None,
    regularizer=None,
    trainable=False,
    collections=None,
    caching_device=None,
    partitioner=None,
    validate_shape=True,
    use_resource=None,
    custom_getter=None,
    constraint=None,
    synchronization=None,
    aggregation=None,
):
    """`get_variable` for a non-trainable variable in the LOCAL_VARIABLES collection.

    >>> import teachflow as tf
    >>> tf.get_local_variable("count", [], dtype=tf.int32) in tf.local_variables()
    True
    """
    collections = list(collections or []) + [GraphKeys.LOCAL_VARIABLES]
    given = (initializer, regularizer, False, collections, caching_device, partitioner)
    return get_variable(
        name, shape, dtype, *given, validate_shape, use_resource, custom_getter, constraint
    )
