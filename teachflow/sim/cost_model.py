"""What an op or a transfer costs on simulated hardware, in seconds: the roofline model.

An op does arithmetic and moves bytes between the device's memory and its cores. A device
can do ``profile.flops`` floating-point operations and move ``profile.memory_bandwidth``
bytes per second, and the two overlap, so the slower one sets the time (the *roofline*);
every kernel also pays a fixed launch overhead:

    compute_s = flops / profile.flops
    memory_s  = (bytes of all inputs + bytes of all outputs) / profile.memory_bandwidth
    seconds   = max(compute_s, memory_s) + profile.launch_overhead_s

FLOPs come from a table per op type (data, not an if-chain):

- ``MatMul`` ``[m, k] x [k, n]``: ``2 m n k`` (a multiply and an add per term);
  ``BatchMatMulV2``: ``2 m n k`` per matrix of the batch; ``Conv2D``: ``2`` per output
  element per filter tap (``kh * kw * in_channels``), and its two gradients alike;
- elementwise ops: a few per output element (1 for ``Add``, 4 for ``Exp`` or ``Tanh``, ...);
- reductions, softmax, cross-entropy and optimizer updates: a few per *input* element
  (``Sum`` 1, ``Softmax`` 5, ``SoftmaxCrossEntropyWithLogits`` 8, ``ApplyAdam`` 12, ...);
- data movement (``Fill``, ``Transpose``, ``ConcatV2``, ``GatherV2``, ...): none, only bytes;
- bookkeeping ops that launch no kernel (``NoOp``, ``Const``, ``Identity``, ``Reshape``,
  ``Shape``, variables, placeholders): a fixed host dispatch cost, ``HOST_DISPATCH_S``.

A transfer crosses one link and costs ``link.latency_s + nbytes / link.bandwidth``. The link
depends on the two devices (`link_between`): PCIe (the GPU profile's
``host_link_bandwidth``) between the host and a GPU, the GPUs' peer link
(``peer_link_bandwidth``, the slower of the two) between two GPUs of one server, the host's
memory between two CPU devices, and the cluster's network (`NetworkProfile`) between tasks.

    >>> from teachflow.sim.cost_model import TensorSpec, op_cost
    >>> from teachflow.sim.profiles import get_profile
    >>> a = TensorSpec.of((4096, 4096), 4)
    >>> cost = op_cost("MatMul", [a, a], [a], get_profile("k80"))
    >>> cost.flops == 2 * 4096**3, cost.bound
    (True, 'compute')
    >>> round(cost.seconds * 1e3, 2)          # ms on a K80: 137 GFLOP at 4.1 TFLOP/s
    33.53
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = [
    "HOST_DISPATCH_S",
    "Link",
    "OpCost",
    "TensorSpec",
    "device_type_of",
    "link_between",
    "op_bytes",
    "op_cost",
    "op_flops",
    "task_of",
]

# An op that launches no kernel still passes through the executor: about a microsecond.
HOST_DISPATCH_S = 1e-6

# Ops that only touch metadata or hand on a buffer: no kernel, no bytes moved.
METADATA_OPS = frozenset(
    {
        "NoOp",
        "Const",
        "Placeholder",
        "PlaceholderWithDefault",
        "VariableV2",
        "Identity",
        "StopGradient",
        "Reshape",
        "ExpandDims",
        "Squeeze",
        "Shape",
        "Size",
        "Rank",
        "IsVariableInitialized",
        "BroadcastGradientArgs",
        "_Send",
        "_Recv",
    }
)

# FLOPs per *output* element of elementwise ops; an op type not listed anywhere counts 1.
PER_OUTPUT_ELEMENT = {
    # transcendental functions take a few multiply-adds each
    **dict.fromkeys(
        (
            "Exp",
            "Expm1",
            "Log",
            "Log1p",
            "Sigmoid",
            "Tanh",
            "Softplus",
            "Softsign",
            "Elu",
            "Selu",
            "Sin",
            "Cos",
            "Tan",
            "Pow",
            "Sqrt",
            "Rsqrt",
            "SoftplusGrad",
            "SoftsignGrad",
        ),
        4,
    ),
    **dict.fromkeys(("SigmoidGrad", "TanhGrad", "SeluGrad", "RsqrtGrad", "SquaredDifference"), 3),
    **dict.fromkeys(
        ("EluGrad", "SqrtGrad", "ReciprocalGrad", "LeakyRelu", "LeakyReluGrad", "Relu6"), 2
    ),
    "Relu6Grad": 2,
    # random numbers: a counter-based generator and a transform per number
    "RandomUniform": 5,
    "RandomUniformInt": 5,
    "RandomStandardNormal": 15,
    "TruncatedNormal": 20,
    # data movement: bytes only
    **dict.fromkeys(
        (
            "Fill",
            "ZerosLike",
            "OnesLike",
            "Transpose",
            "ConcatV2",
            "Pack",
            "Unpack",
            "Split",
            "SplitV",
            "Slice",
            "StridedSlice",
            "StridedSliceGrad",
            "GatherV2",
            "GatherNd",
            "ScatterNd",
            "Tile",
            "Pad",
            "PadV2",
            "MirrorPad",
            "MirrorPadGrad",
            "OneHot",
            "BroadcastTo",
            "ReverseV2",
            "Range",
            "LinSpace",
            "Cast",
            "RandomShuffle",
        ),
        0,
    ),
}

# FLOPs per element of the *first input*: reductions, softmax, losses, updates.
PER_INPUT_ELEMENT = {
    **dict.fromkeys(
        ("Sum", "Mean", "Max", "Min", "Prod", "All", "Any", "ArgMax", "ArgMin", "BiasAddGrad"),
        1,
    ),
    "Cumsum": 1,
    "Cumprod": 1,
    "L2Loss": 2,
    "Softmax": 5,
    "LogSoftmax": 5,
    "SoftmaxCrossEntropyWithLogits": 8,
    "SparseSoftmaxCrossEntropyWithLogits": 8,
    "TopKV2": 4,
    "InTopKV2": 1,
    # an optimizer's update of a variable, per element of the variable
    "Assign": 0,
    "AssignAdd": 1,
    "AssignSub": 1,
    "ApplyGradientDescent": 2,
    "ApplyMomentum": 4,
    "ApplyAdagrad": 5,
    "ApplyRMSProp": 8,
    "ApplyCenteredRMSProp": 10,
    "ApplyAdam": 12,
}


@dataclass(frozen=True)
class TensorSpec:
    """A tensor as the cost model sees it: its shape, bytes per element, and total bytes."""

    shape: tuple
    itemsize: int
    nbytes: int

    @classmethod
    def of(cls, shape, itemsize: int) -> TensorSpec:
        shape = tuple(int(d) for d in shape)
        return cls(shape, itemsize, math.prod(shape) * itemsize)

    @property
    def elements(self) -> int:
        if self.itemsize:
            return math.prod(self.shape)
        return self.nbytes  # strings: a byte each


@dataclass(frozen=True)
class OpCost:
    """One op's virtual cost: its FLOPs and bytes, and the seconds each part takes."""

    flops: float
    bytes: int
    compute_s: float
    memory_s: float
    launch_s: float

    @property
    def seconds(self) -> float:
        return max(self.compute_s, self.memory_s) + self.launch_s

    @property
    def bound(self) -> str:
        """What limits the op: ``"compute"``, ``"memory"`` or, for tiny ops, ``"launch"``."""
        if self.launch_s >= max(self.compute_s, self.memory_s):
            return "launch"
        return "compute" if self.compute_s >= self.memory_s else "memory"


def _contracted(spec, transposed):
    """The contracted dimension ``k`` of a matrix operand, or None if its shape is lost."""
    if len(spec.shape) < 2:
        return None
    return spec.shape[-2] if transposed else spec.shape[-1]


def _matmul_flops(inputs, outputs, attrs, flags=("transpose_a", "transpose_b")):
    a, b = inputs[0], inputs[1]
    out = outputs[0] if outputs else None
    k = _contracted(a, attrs.get(flags[0], False))
    out_elements = out.elements if out is not None else 0
    if k is None:
        # Only element counts are known: a = m k, b = k n, out = m n, so k = sqrt(a b / out).
        k = math.sqrt(a.elements * b.elements / out_elements) if out_elements else 0
    return 2.0 * out_elements * k


def _batch_matmul_flops(inputs, outputs, attrs):
    return _matmul_flops(inputs, outputs, attrs, ("adj_x", "adj_y"))


def _taps(filter_spec):
    """Multiply-adds per output element of a convolution: ``kh * kw * in_channels``."""
    if not filter_spec.shape or not filter_spec.shape[-1]:
        return 0
    return filter_spec.elements / filter_spec.shape[-1]


def _conv2d_flops(inputs, outputs, attrs):
    return 2.0 * outputs[0].elements * _taps(inputs[1])


def _conv2d_backprop_input_flops(inputs, outputs, attrs):
    return 2.0 * inputs[2].elements * _taps(inputs[1])  # (sizes, filter, out_backprop)


def _conv2d_backprop_filter_flops(inputs, outputs, attrs):
    return 2.0 * inputs[2].elements * _taps(outputs[0])  # (input, sizes, out_backprop)


def _add_n_flops(inputs, outputs, attrs):
    return float(max(len(inputs) - 1, 0) * outputs[0].elements) if outputs else 0.0


# Op types whose FLOPs need the shapes, not just a count per element.
SHAPED_FLOPS = {
    "MatMul": _matmul_flops,
    "BatchMatMul": _batch_matmul_flops,
    "BatchMatMulV2": _batch_matmul_flops,
    "Conv2D": _conv2d_flops,
    "Conv2DBackpropInput": _conv2d_backprop_input_flops,
    "Conv2DBackpropFilter": _conv2d_backprop_filter_flops,
    "AddN": _add_n_flops,
}


def op_flops(op_type: str, inputs, outputs, attrs=None) -> float:
    """Floating-point operations of one ``op_type`` op on ``inputs`` giving ``outputs``
    (`TensorSpec` lists); ``attrs`` as the op's (``transpose_a``...)."""
    shaped = SHAPED_FLOPS.get(op_type)
    if shaped is not None:
        return float(shaped(inputs, outputs, attrs or {}))
    if op_type in METADATA_OPS:
        return 0.0
    per_input = PER_INPUT_ELEMENT.get(op_type)
    if per_input is not None:
        return float(per_input * (inputs[0].elements if inputs else 0))
    per_output = PER_OUTPUT_ELEMENT.get(op_type, 1)
    return float(per_output * sum(o.elements for o in outputs))


def op_bytes(op_type: str, inputs, outputs) -> int:
    """Bytes an op moves through device memory: it reads its inputs and writes its outputs
    (none for bookkeeping ops, which hand on buffers)."""
    if op_type in METADATA_OPS:
        return 0
    return sum(t.nbytes for t in inputs) + sum(t.nbytes for t in outputs)


def op_cost(op_type: str, inputs, outputs, profile, attrs=None) -> OpCost:
    """The roofline cost of one op on a device with hardware ``profile`` (module doc)."""
    if op_type in METADATA_OPS:
        return OpCost(0.0, 0, 0.0, 0.0, HOST_DISPATCH_S)
    flops = op_flops(op_type, inputs, outputs, attrs)
    nbytes = op_bytes(op_type, inputs, outputs)
    return OpCost(
        flops,
        nbytes,
        flops / profile.flops,
        nbytes / profile.memory_bandwidth,
        profile.launch_overhead_s,
    )


# -- transfers -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Link:
    """What a tensor crosses between two devices. ``kind``: ``"host"`` (a memcpy between
    CPU devices), ``"pcie"`` (host and GPU), ``"peer"`` (GPU to GPU), ``"network"`` (tasks)."""

    kind: str
    name: str
    bandwidth: float  # bytes/s
    latency_s: float

    def seconds(self, nbytes: int) -> float:
        """``latency_s + nbytes / bandwidth``."""
        return self.latency_s + nbytes / self.bandwidth


def task_of(device: str) -> str:
    """``"/job:w/replica:0/task:1/device:GPU:0"`` -> ``"/job:w/replica:0/task:1"``."""
    return device.rpartition("/device:")[0]


def device_type_of(device: str) -> str:
    """``"GPU"`` or ``"CPU"`` from a full device name."""
    return device.rpartition("/device:")[2].partition(":")[0].upper()


def link_between(src: str, dst: str, src_profile, dst_profile, network) -> Link:
    """The link a tensor crosses from device ``src`` to ``dst`` (full names), given both
    devices' hardware profiles and the cluster's `NetworkProfile`."""
    if task_of(src) != task_of(dst):
        return Link("network", network.name, network.bandwidth, network.latency_s)
    src_gpu = device_type_of(src) == "GPU"
    dst_gpu = device_type_of(dst) == "GPU"
    if src_gpu and dst_gpu:
        return Link(
            "peer",
            "GPU peer link",
            min(src_profile.peer_link_bandwidth, dst_profile.peer_link_bandwidth),
            max(src_profile.launch_overhead_s, dst_profile.launch_overhead_s),
        )
    if src_gpu or dst_gpu:
        gpu = src_profile if src_gpu else dst_profile
        return Link("pcie", "PCIe", gpu.host_link_bandwidth, gpu.launch_overhead_s)
    return Link("host", "host memory", src_profile.memory_bandwidth, src_profile.launch_overhead_s)
