"""Functions traced into graphs: what ``Dataset.map(fn)`` turns ``fn`` into.

TensorFlow does not call a ``map`` function for every element. It calls it *once*, on
placeholder arguments, inside a separate function graph, and records the ops it built;
the dataset kernel then runs that small graph for each element. Tensors of the outer
graph that ``fn`` uses are *captured*: they become extra placeholder arguments, fed
from extra inputs of the dataset op.

The traced function travels as an attribute of the op: a `FunctionAttr` (a tuple of the
function graph's nodes, its argument tensor names and its output tensor names). So it
crosses process boundaries as plain data, and a worker rebuilds the same graph and runs it
with the same executor as every other step. A ``GraphDef`` writes it as TensorFlow does, a
``FunctionDef`` in the graph's library (`teachflow.framework.codecs.function_def`); so,
as in TF, the arguments are ``args_0``, ``args_1``... and each output is an ``Identity``.

    >>> import teachflow as tf
    >>> from teachflow.data.structure import TensorSpec
    >>> f = trace(lambda x: x * 2, (TensorSpec(tf.int32, tf.TensorShape([])),), "double")
    >>> [spec.dtype for spec in f.output_specs]
    [tf.int32]
"""

from __future__ import annotations

from teachflow.framework import errors
from teachflow.framework.codecs.function_def import FunctionAttr, body_entry, body_node_def
from teachflow.framework.graph import Graph, get_default_graph
from teachflow.framework.importer import import_nodes
from teachflow.framework.operation import NodeDef, Operation, Tensor
from teachflow.framework.shapes import TensorShape
from teachflow.ops import kernel_context
from teachflow.runtime.executor import Executor, StepContext
from teachflow.runtime.plan import build_plan

from . import structure


class FuncGraph(Graph):
    """A graph a Python function is traced into; tensors of other graphs it touches are
    captured as placeholders (``captures``: outer tensor -> placeholder)."""

    def __init__(self, name, outer):
        super().__init__()
        self.name = name
        self.outer = outer
        self.seed = outer.seed
        self.captures = {}

    def capture(self, tensor):
        ph = self.captures.get(tensor)
        if ph is None:
            # A variable's reference is captured as its value (read when the op runs).
            dtype = tensor.dtype.base_dtype
            # Captures are arguments of the whole function: no control dependencies of
            # wherever the function first used them. As in TF, the placeholder is named
            # after the outer op, in the scope of its first use ("mul/c").
            attrs = {"dtype": dtype, "shape": tensor.shape, "_user_specified_name": tensor.op.name}
            with self.control_dependencies(None):
                ph = Graph.create_op(self, "Placeholder", [], attrs, name=tensor.op.name).outputs[0]
            self.captures[tensor] = ph
        return ph

    def create_op(self, op_type, inputs=(), attrs=None, name=None, control_inputs=None, **kw):
        inputs = [
            self.capture(t) if isinstance(t, Tensor) and t.graph is not self else t for t in inputs
        ]
        # Control dependencies on ops outside the function cannot be kept inside it.
        control_inputs = [c for c in control_inputs or () if c.graph is self]
        return super().create_op(op_type, inputs, attrs, name, control_inputs, **kw)


class Function:
    """A traced function: its nodes, argument and output names, and what it captured."""

    def __init__(self, name, nodes, arg_names, output_names, output_structure, captured):
        self.name = name
        self.nodes = nodes
        self.arg_names = arg_names
        self.output_names = output_names
        self.output_structure = output_structure  # TensorSpecs, or a Dataset's specs
        self.captured = captured  # outer tensors fed to the capture placeholders

    @property
    def output_specs(self):
        return structure.flatten(self.output_structure)

    def as_attr(self):
        """The function as an attribute value: nested tuples of plain data."""
        return FunctionAttr(
            self.name, tuple(self.nodes), tuple(self.arg_names), tuple(self.output_names)
        )


def _node_tuple(op: Operation):
    nd = op.node_def
    return body_entry(NodeDef(nd.name, nd.op, nd.input, "", nd.attr))


def trace(fn, arg_specs, name, unpack=True):
    """Trace ``fn`` on placeholders shaped like ``arg_specs`` (a structure of TensorSpecs).

    A tuple structure is passed as separate arguments (``unpack``), anything else as one.
    Returns a `Function` whose ``output_structure`` holds TensorSpecs, or, when ``fn``
    returns a Dataset, that dataset (for interleave and flat_map)."""
    outer = get_default_graph()
    g = FuncGraph(name, outer)
    with g.as_default():
        flat = [
            g.create_op(
                "Placeholder",
                [],
                {
                    "dtype": s.dtype,
                    "shape": TensorShape(s.shape),
                    "_user_specified_name": f"args_{i}",
                },
                name=f"args_{i}",
            ).outputs[0]
            for i, s in enumerate(structure.flatten(arg_specs))
        ]
        args = structure.pack_as(arg_specs, flat)
        if unpack and isinstance(args, tuple) and not hasattr(args, "_fields"):
            result = fn(*args)
        else:
            result = fn(args)
        variant = getattr(result, "_variant_tensor", None)
        if variant is not None:
            outputs, out_structure = [variant], result
        else:
            if isinstance(result, list):
                result = tuple(result)  # TF: a returned list is read as a tuple (top level)
            result = structure.to_tensors(result)
            outputs = structure.flatten(result)
            out_structure = structure.spec_of(result)
        # TF's function graph returns each output through an Identity ("Identity",
        # "Identity_1"...), outside any scope the function opened.
        with g.name_scope(None), g.control_dependencies(None):
            outputs = [
                g.create_op("Identity", [t], {"T": t.dtype.base_dtype}, name="Identity").outputs[0]
                for t in outputs
            ]
    captured = list(g.captures)
    arg_names = [t.name for t in flat] + [g.captures[t].name for t in captured]
    nodes = [_node_tuple(op) for op in g.get_operations()]
    return Function(name, nodes, arg_names, [t.name for t in outputs], out_structure, captured)


def subgraph_function(output, name):
    """The ops that compute ``output`` (a tensor of the default graph) as a `Function`
    without arguments: TF's ``dataset_factory`` of a one-shot iterator. It must not
    depend on anything fed or stateful, since it will run again on its own."""
    needed, stack = [], [output.op]
    seen = set()
    while stack:
        op = stack.pop()
        if op in seen:
            continue
        seen.add(op)
        if op.type == "Placeholder":
            raise ValueError(
                f"Cannot capture a placeholder (name:{op.name}, type:{op.type}) by value."
            )
        if op.op_def.stateful:
            raise ValueError(
                f"Cannot capture a stateful node (name:{op.name}, type:{op.type}) by value.: "
                "A likely cause of this error is that the dataset for which you are calling "
                "`make_one_shot_iterator()` captures a stateful object, such as a "
                "`tf.Variable`, which is not supported. Use `make_initializable_iterator()` "
                "instead."
            )
        needed.append(op)
        stack.extend(t.op for t in op.inputs)
        stack.extend(op.control_inputs)
    needed.sort(key=lambda op: op._id)
    nodes = [_node_tuple(op) for op in needed]
    return Function(name, nodes, [], [output.name], None, [])


# -- running a function -------------------------------------------------------------------
def _through_identity(t, arg_ops):
    """The tensor an output Identity (no control inputs) passes on, unless an argument."""
    op = t.op
    if op.type == "Identity" and not op.control_inputs and op.inputs[0].op not in arg_ops:
        return op.inputs[0]
    return t


class FunctionRunner:
    """Runs a traced function on one device: its graph rebuilt, one plan, one executor.

    Built once per dataset kernel; called once per element. A failure inside is reported
    with the inner node's name, then annotated with the outer op (IteratorGetNext), as TF
    prints ``[[{{node DecodeCSV}}]] [[IteratorGetNext]]``."""

    def __init__(self, attr, device):
        name, nodes, arg_names, output_names = attr
        self.name = name
        graph = Graph()
        import_nodes(graph, [body_node_def(n) for n in nodes])
        args = [graph.get_tensor_by_name(n) for n in arg_names]
        # Optimisation: the plan fetches what each output Identity passes on (an Identity
        # only hands its input on, and one per output cost a quarter of a small map's time).
        arg_ops = {t.op for t in args}
        outputs = [_through_identity(graph.get_tensor_by_name(n), arg_ops) for n in output_names]
        kernels = {}

        def kernel_for(op, dev):
            k = kernels.get(op)
            if k is None:
                make = op.op_def.kernels.get(dev.device_type) or op.op_def.kernels.get("CPU")
                if make is None:
                    raise errors.InvalidArgumentError(
                        op.node_def, op, f"No OpKernel for '{op.type}' on {dev.name}"
                    )
                k = kernels[op] = make(op, dev)
            return k

        self.plan = build_plan(outputs, [], args, kernel_for, lambda op: device, device)
        self.executor = Executor(1)

    def __call__(self, *args):
        ctx = StepContext()
        ctx.deadline = kernel_context.step_deadline.get()  # the outer step's deadline holds inside
        try:
            return tuple(self.executor.run(self.plan, args, ctx))
        except errors.OpError as e:
            # Drop the inner op so the outer executor adds its own node to the message.
            raise type(e)(None, None, e.message) from None
