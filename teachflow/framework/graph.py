"""The `Graph`: operations plus the scopes that shape how new ones are created.

Every op is created in the *default graph* under the scopes active at that moment: a name
scope (``layer/add``), device scopes (recorded on the op exactly as requested, merged
field by field), control dependencies (ops that must run first) and colocation.

    >>> import teachflow as tf
    >>> g = tf.Graph()
    >>> with g.as_default(), tf.name_scope("layer"), tf.device("/gpu:0"):
    ...     a = tf.constant(1.0)
    ...     b = a + a
    >>> b.name, b.device
    ('layer/add:0', '/device:GPU:0')
"""

from __future__ import annotations

import contextlib
import re
import threading

from teachflow.framework import registry
from teachflow.framework.control_dependencies import ControlDependenciesController
from teachflow.framework.default_session import (  # noqa: F401 - their home is default_session
    _eval_using_default_session,
    _run_using_default_session,
    default_session,
    get_default_session,
)
from teachflow.framework.device_spec import DeviceSpec
from teachflow.framework.graph_keys import GraphKeys  # noqa: F401 - its home is graph_keys
from teachflow.framework.operation import Operation, Tensor
from teachflow.framework.shapes import Dimension, dimension_value

_VALID_OP_NAME = re.compile(r"^[A-Za-z0-9.][A-Za-z0-9_.\\/>-]*$")
_VALID_SCOPE_NAME = re.compile(r"^[A-Za-z0-9_.\\/>-]*$")


def _written_refs(op_def, inputs) -> list:
    """The variables whose references ``op_def`` writes through (its ref inputs)."""
    if not op_def.colocate_refs:
        return []
    return [
        inputs[i].op for i in op_def.ref_inputs if i < len(inputs) and inputs[i].dtype.is_ref_dtype
    ]


def _inferred_outputs(op_def, op, inputs) -> list:
    """The op's output (dtype, shape) pairs from its registered inference; a shape error
    names the node and its input shapes, as TensorFlow's does."""
    try:
        return op_def.infer(op)
    except ValueError as e:
        if f" for '{op.name}' (op: '{op.type}')" in str(e):
            raise  # the op's own inference already named the node (conv, pooling...)
        shapes = ", ".join(_shape_text(t.shape) for t in inputs)
        raise ValueError(
            f"{e} for '{op.name}' (op: '{op.type}') with input shapes: {shapes}."
        ) from None


class Graph:
    """A dataflow graph. Use ``with g.as_default():`` to build ops into it."""

    def __init__(self):
        self._lock = threading.RLock()
        self._ops_by_name = {}
        self._ops = []
        self._names_in_use = {}
        self._name_stack = ""
        self._device_function_stack = []  # outermost first; None entries reset
        self._control_dependencies_stack = []
        self._colocation_stack = []
        self._container = ""
        self._collections = {}
        self._last_id = 0
        self._version = 0
        self._finalized = False
        self.seed = None
        self._gradient_override_map = {}
        # The tf.cond branch (or loop body) being built: it sees every new op (TF's
        # ControlFlowContext.AddOp), to route values from outside through a Switch.
        self._control_flow_context = None
        # What Session.run refuses to feed or fetch (TF's prevent_feeding/prevent_fetching).
        self._unfeedable_tensors = set()
        self._unfetchable_ops = set()

    # -- identity and bookkeeping --------------------------------------------------------
    def _next_id(self) -> int:
        self._last_id += 1
        return self._last_id

    @property
    def version(self) -> int:
        return self._version

    @property
    def finalized(self) -> bool:
        return self._finalized

    def finalize(self) -> None:
        self._finalized = True

    def _unsafe_unfinalize(self) -> None:
        self._finalized = False

    def _check_not_finalized(self):
        if self._finalized:
            raise RuntimeError("Graph is finalized and cannot be modified.")

    @contextlib.contextmanager
    def as_default(self):
        _default_graph_stack.append(self)
        try:
            yield self
        finally:
            _default_graph_stack.remove(self)

    # -- creating ops --------------------------------------------------------------------
    def create_op(
        self,
        op_type,
        inputs=(),
        attrs=None,
        name=None,
        control_inputs=(),
        _verbatim_name=False,
    ):
        """Create an op of a registered type; shape/dtype inference runs here.

        ``_verbatim_name`` keeps ``name`` exactly (a node imported from a GraphDef, see
        `teachflow.framework.importer`); a name already in use is then a ValueError.
        """
        self._check_not_finalized()
        op_def = registry.get(op_type)
        if op_def.infer is None:
            raise KeyError(f"Op type not registered '{op_type}' (it only names a gradient)")
        inputs = self._checked_inputs(op_type, inputs)
        # An op that writes through a variable's reference lives with the variable (TF's
        # op_def_library colocates it), whatever device scope is around it. An imported
        # node keeps the device and colocation its GraphDef says.
        refs = [] if _verbatim_name else _written_refs(op_def, inputs)
        if not refs:
            return self._add_op(
                op_type, op_def, inputs, attrs, name, control_inputs, _verbatim_name
            )
        with contextlib.ExitStack() as stack:
            for r in refs:
                stack.enter_context(self.colocate_with(r))
            return self._add_op(op_type, op_def, inputs, attrs, name, control_inputs, False)

    def _checked_inputs(self, op_type, inputs) -> list:
        inputs = list(inputs)
        for i, t in enumerate(inputs):
            if not isinstance(t, Tensor):
                raise TypeError(f"Input {i} of '{op_type}' must be a Tensor, got {t!r}")
            if t.graph is not self:
                raise ValueError(
                    f"Tensor {t} must be from the same graph as the op being created ('{op_type}')."
                )
        return inputs

    def _add_op(self, op_type, op_def, inputs, attrs, name, control_inputs, verbatim_name):
        """The op itself: its unique name, control inputs, outputs, device and container."""
        with self._lock:
            name = self._node_name(op_type if name is None else name, verbatim_name)
            input_ops = {t.op for t in inputs}
            ctrl = self._control_dependencies_for_inputs(input_ops)
            if control_inputs:
                # An ordered set: a NoOp grouping 10k ops must not scan a list per input.
                ctrl = list(dict.fromkeys([*ctrl, *control_inputs]))
            attrs = {k: _plain_attr(k, v) for k, v in (attrs or {}).items()}
            override = self._gradient_override_map.get(op_type)
            if override is not None:
                attrs["_gradient_op_type"] = override
            op = Operation(self, op_type, name, inputs, attrs, ctrl, op_def)
            op._create_outputs(_inferred_outputs(op_def, op, inputs))
            self._record_op_seen_by_control_dependencies(op)
            self._apply_device_functions(op)
            self._apply_colocation(op)
            if self._container and op_def.stateful and "container" in op._attrs:
                if not op._attrs["container"]:
                    op._attrs["container"] = self._container
            self._ops_by_name[name] = op
            self._ops.append(op)
            self._version += 1
        if self._control_flow_context is not None:
            op._control_flow_context = self._control_flow_context
            self._control_flow_context.add_op(op)
        return op

    def _node_name(self, name, verbatim) -> str:
        """The name the new node gets: made unique in its scope, or kept ``verbatim``."""
        if verbatim:
            if name in self._ops_by_name:
                raise ValueError(f"Duplicate node name in graph: '{name}'")
            # Mark the name and its scopes used, so later ops and scopes avoid them.
            parts = name.lower().split("/")
            for i in range(1, len(parts) + 1):
                self._names_in_use.setdefault("/".join(parts[:i]), 1)
        elif name.endswith("/"):
            name = name[:-1]  # a full scope name used verbatim, as TF does
            if name in self._ops_by_name:
                name = self.unique_name(name.rsplit("/", 1)[-1])
            else:
                self._names_in_use[name.lower()] = 1
        else:
            name = self.unique_name(name)
        if not _VALID_OP_NAME.match(name):
            raise ValueError(f"'{name}' is not a valid node name")
        return name

    def _apply_device_functions(self, op):
        # Innermost scope first; an outer scope only fills what inner ones left unset.
        for fn in reversed(self._device_function_stack):
            if fn is None:
                break
            op._set_device(fn(op))
            if not hasattr(fn, "_spec"):
                op._device_from_function = True  # the placer reports "device function"

    def _apply_colocation(self, op):
        if not self._colocation_stack:
            return
        groups = []
        device_set = False
        for colocation_op in reversed(self._colocation_stack):
            groups.extend(colocation_op.colocation_groups())
            if colocation_op.device and not device_set:
                op._set_device(colocation_op.device)
                device_set = True
        op._attrs["_class"] = sorted(set(groups))

    def _control_dependencies_for_inputs(self, input_ops):
        ret = {}  # an ordered set (a block may list thousands of ops)
        for controller in self._control_dependencies_stack:
            # An input created inside the same block already carries the dependency.
            if any(o in controller._seen for o in input_ops):
                continue
            for c in controller._control_inputs:
                if c not in input_ops:
                    ret[c] = None
        return list(ret)

    def _record_op_seen_by_control_dependencies(self, op):
        for controller in self._control_dependencies_stack:
            controller._seen.add(op)

    # -- names ---------------------------------------------------------------------------
    def unique_name(self, name: str, mark_as_used: bool = True) -> str:
        if self._name_stack:
            name = self._name_stack + "/" + name
        key = name.lower()
        i = self._names_in_use.get(key, 0)
        if mark_as_used:
            self._names_in_use[key] = i + 1
        if i > 0:
            base = key
            while key in self._names_in_use:
                key = f"{base}_{i}"
                i += 1
            if mark_as_used:
                self._names_in_use[key] = 1
            name = f"{name}_{i - 1}"
        return name

    def get_name_scope(self) -> str:
        return self._name_stack

    @contextlib.contextmanager
    def name_scope(self, name):
        """Yields the scope string (``"layer/"``); ``None`` or ``""`` resets to the root."""
        old = self._name_stack
        if not name:
            new = ""
        elif name.endswith("/"):
            new = name[:-1]
            if not _VALID_SCOPE_NAME.match(new):
                raise ValueError(f"'{name}' is not a valid scope name")
        else:
            if not _VALID_SCOPE_NAME.match(name):
                raise ValueError(f"'{name}' is not a valid scope name")
            new = self.unique_name(name)
        self._name_stack = new
        try:
            yield "" if not new else new + "/"
        finally:
            self._name_stack = old

    # -- scopes that shape new ops -------------------------------------------------------
    @contextlib.contextmanager
    def device(self, device_name_or_function):
        """String, DeviceSpec, function ``op -> device`` or None (clear outer scopes)."""
        fn = _device_function(device_name_or_function)
        self._device_function_stack.append(fn)
        try:
            yield
        finally:
            self._device_function_stack.pop()

    @contextlib.contextmanager
    def colocate_with(self, op, ignore_existing=False):
        if op is None and not ignore_existing:
            raise ValueError(
                "Trying to reset colocation (op is None) but ignore_existing is not True"
            )
        op = _as_op(op) if op is not None else None
        saved_devices = self._device_function_stack
        saved_coloc = self._colocation_stack
        # Colocation overrides any enclosing device scope, as in TensorFlow.
        self._device_function_stack = []
        base = [] if ignore_existing else saved_coloc
        self._colocation_stack = base + [op] if op is not None else base
        try:
            yield
        finally:
            self._device_function_stack = saved_devices
            self._colocation_stack = saved_coloc

    def control_dependencies(self, control_inputs):
        if control_inputs is None:
            return ControlDependenciesController(self, None)
        ops = {}  # an ordered set, as above
        for c in control_inputs:
            if not isinstance(c, (Tensor, Operation)) and hasattr(c, "indices"):
                # As TF: an IndexedSlices (a sparse gradient) stands for its values' op.
                c = c.op
            op = _as_op(c)
            if op.graph is not self:
                raise ValueError(f"Control input {op.name} must be from the same graph.")
            ops[op] = None
        return ControlDependenciesController(self, list(ops))

    @contextlib.contextmanager
    def container(self, container_name: str):
        """Stateful ops created inside get this resource container (see Session.reset)."""
        old = self._container
        self._container = container_name
        try:
            yield container_name
        finally:
            self._container = old

    @contextlib.contextmanager
    def gradient_override_map(self, op_type_map):
        saved = dict(self._gradient_override_map)
        self._gradient_override_map.update(op_type_map)
        try:
            yield
        finally:
            self._gradient_override_map = saved

    # -- what a session may feed and fetch ------------------------------------------------
    def prevent_feeding(self, tensor) -> None:
        """Mark ``tensor`` unfeedable: ``Session.run`` then raises ``ValueError`` for it."""
        self._unfeedable_tensors.add(tensor)

    def is_feedable(self, tensor) -> bool:
        """Whether ``tensor`` may be a ``feed_dict`` key; any tensor may, unless marked.

        >>> import teachflow as tf
        >>> a = tf.add(2, 5)
        >>> tf.get_default_graph().is_feedable(a)
        True
        """
        return tensor not in self._unfeedable_tensors

    def prevent_fetching(self, op) -> None:
        """Mark ``op`` (and so its outputs) unfetchable by ``Session.run``."""
        self._unfetchable_ops.add(op)

    def is_fetchable(self, tensor_or_op) -> bool:
        """Whether ``Session.run`` may fetch ``tensor_or_op``."""
        op = tensor_or_op.op if isinstance(tensor_or_op, Tensor) else tensor_or_op
        return op not in self._unfetchable_ops

    # -- looking things up ---------------------------------------------------------------
    def get_operations(self) -> list:
        return list(self._ops)

    def as_graph_def(self, from_version=None, add_shapes=False):
        """The graph as TensorFlow's ``GraphDef`` message (see `teachflow.framework.codecs.graph_def`)."""
        from teachflow.framework.codecs import graph_def

        return graph_def.graph_to_graph_def(self, from_version, add_shapes)

    def get_operation_by_name(self, name: str) -> Operation:
        if not isinstance(name, str):
            raise TypeError(f"Operation names are strings (or similar), not {type(name).__name__}.")
        return self.as_graph_element(name, allow_tensor=False, allow_operation=True)

    def get_tensor_by_name(self, name: str) -> Tensor:
        if not isinstance(name, str):
            raise TypeError(f"Tensor names are strings (or similar), not {type(name).__name__}.")
        return self.as_graph_element(name, allow_tensor=True, allow_operation=False)

    def as_graph_element(self, obj, allow_tensor=True, allow_operation=True):
        if hasattr(obj, "_as_graph_element") and not isinstance(obj, (Tensor, Operation)):
            obj = obj._as_graph_element()
        if isinstance(obj, str):
            return self._element_by_name(obj, allow_tensor, allow_operation)
        if isinstance(obj, Tensor) and allow_tensor:
            if obj.graph is not self:
                raise ValueError(f"Tensor {obj} is not an element of this graph.")
            return obj
        if isinstance(obj, Operation) and allow_operation:
            if obj.graph is not self:
                raise ValueError(f"Operation {obj} is not an element of this graph.")
            return obj
        types = " or ".join(
            n for n, ok in (("Tensor", allow_tensor), ("Operation", allow_operation)) if ok
        )
        raise TypeError(f"Can not convert a {type(obj).__name__} into a {types}.")

    def _element_by_name(self, name, allow_tensor, allow_operation):
        if ":" in name and allow_tensor:
            op_name, _, index = name.partition(":")
            try:
                index = int(index)
            except ValueError:
                raise ValueError(
                    f"The name {name!r} looks a like a Tensor name, but is not a valid one. "
                    'Tensor names must be of the form "<op_name>:<output_index>".'
                ) from None
            op = self._ops_by_name.get(op_name)
            if op is None:
                raise KeyError(
                    f"The name {name!r} refers to a Tensor which does not exist. The "
                    f"operation, {op_name!r}, does not exist in the graph."
                )
            if index >= len(op._outputs):
                raise KeyError(
                    f"The name {name!r} refers to a Tensor which does not exist. The "
                    f"operation, {op_name!r}, exists but only has {len(op._outputs)} outputs."
                )
            return op._outputs[index]
        if ":" in name:
            raise ValueError(f"Name {name!r} appears to refer to a Tensor, not an Operation.")
        op = self._ops_by_name.get(name)
        if op is None:
            raise KeyError(f"The name {name!r} refers to an Operation not in the graph.")
        if not allow_operation:
            raise ValueError(
                f"The name {name!r} refers to an Operation, not a Tensor. Tensor names must "
                'be of the form "<op_name>:<output_index>".'
            )
        return op

    # -- collections ---------------------------------------------------------------------
    def add_to_collection(self, name, value) -> None:
        self._check_not_finalized()
        self._collections.setdefault(name, []).append(value)

    def add_to_collections(self, names, value) -> None:
        names = (names,) if isinstance(names, str) else set(names)
        for n in names:
            self.add_to_collection(n, value)

    def get_collection_ref(self, name) -> list:
        return self._collections.setdefault(name, [])

    def get_collection(self, name, scope=None) -> list:
        items = self._collections.get(name, [])
        if scope is None:
            return list(items)
        pattern = re.compile(scope)
        return [i for i in items if hasattr(i, "name") and pattern.match(i.name)]

    def get_all_collection_keys(self) -> list:
        return [k for k, v in self._collections.items() if isinstance(v, list)]

    def clear_collection(self, name) -> None:
        self._collections.pop(name, None)

    def __repr__(self):
        return f"<teachflow.Graph with {len(self._ops)} ops>"


def _shape_text(shape) -> str:
    if shape.ndims is None:
        return "?"
    return "[" + ",".join("?" if d is None else str(d) for d in shape.as_list()) + "]"


def _plain_attr(name, value):
    """An attr as stored: a `Dimension` taken from a shape (``x.shape[1]``) is a plain int;
    an unknown one, ``Dimension(None)``, is TF's TypeError."""
    if value.__class__ in _DIMENSIONS:
        if value.value is None:
            raise TypeError(f"Expected int for argument '{name}' not {value!r}.")
        return int(value)
    if type(value) in (list, tuple) and any(v.__class__ in _DIMENSIONS for v in value):
        return type(value)(dimension_value(v) if v.__class__ in _DIMENSIONS else v for v in value)
    return value


_DIMENSIONS = (Dimension, Dimension(None).__class__)  # a known dimension's class, the unknown's


def _as_op(x) -> Operation:
    if hasattr(x, "_as_graph_element") and not isinstance(x, (Tensor, Operation)):
        x = x._as_graph_element()
    if isinstance(x, Tensor):
        return x.op
    if isinstance(x, Operation):
        return x
    raise TypeError(f"Can not convert a {type(x).__name__} into an Operation.")


def _device_function(spec):
    """A device scope as a function ``op -> device string`` (None resets)."""
    if spec is None:
        return None
    if callable(spec) and not isinstance(spec, (str, DeviceSpec)):
        return spec
    parsed = spec if isinstance(spec, DeviceSpec) else DeviceSpec.from_string(spec)

    def merge_device(op):
        current = DeviceSpec.from_string(op.device)
        return parsed.make_merged_spec(current).to_string()

    merge_device._spec = parsed  # lets replica_device_setter and viz read the request
    return merge_device


# -- the default graph and default session stacks -------------------------------------
class _DefaultStack(threading.local):
    def __init__(self):
        self.stack = []


_thread_graphs = _DefaultStack()
_global_default_graph = [None]


class _GraphStackView:
    def append(self, g):
        _thread_graphs.stack.append(g)

    def remove(self, g):
        # Leaving undoes the innermost entry: a graph may be entered again inside itself
        # (a name_scope over an outer graph's tensors, inside a function being traced).
        stack = _thread_graphs.stack
        del stack[len(stack) - 1 - stack[::-1].index(g)]


_default_graph_stack = _GraphStackView()


def get_default_graph() -> Graph:
    if _thread_graphs.stack:
        return _thread_graphs.stack[-1]
    if _global_default_graph[0] is None:
        _global_default_graph[0] = Graph()
    return _global_default_graph[0]


def reset_default_graph() -> None:
    if _thread_graphs.stack:
        raise AssertionError(
            "Do not use tf.reset_default_graph() to clear nested graphs. If you need a "
            "cleared graph, exit the nesting and create a new graph."
        )
    _global_default_graph[0] = Graph()
