"""Colours and op families for every view, kept as data so that all views agree.

Three colours are *reserved* and never given to a device, task or op family, following
Dask's dashboard: red is a transfer (a tensor crossing a device or a network link), white
is idle time and black is an error. Grey marks a node that is not placed yet. Devices and
tasks get colours from one qualitative list through one table per Python session
(`SESSION`, keyed by full device name), so a device has the same colour in every view and
widget of a notebook, whichever other devices a view shows.

    >>> from teachflow.viz import palette
    >>> palette.SESSION.reset()
    >>> colors = palette.color_table(["/job:w/task:0/device:GPU:1", "/job:w/task:0/device:GPU:0"])
    >>> colors["/job:w/task:0/device:GPU:0"], colors["/job:w/task:0/device:GPU:1"]
    ('#1f77b4', '#ff7f0e')
    >>> palette.op_family("MatMul"), palette.op_family("ApplyAdam")
    ('matrix', 'training')
"""

from __future__ import annotations

import colorsys
import re

# -- reserved colours ------------------------------------------------------------------------
TRANSFER = "#d62728"  # a tensor crossing a device or a task: _Send/_Recv, RecvTensor
IDLE = "#ffffff"  # a device with nothing to do
ERROR = "#000000"  # an op that failed
UNPLACED = "#c7c7c7"  # no device known: not run yet, and nothing requested
STATE = "#8c6d31"  # the border of variables and queues: state that outlives a step
CONTROL = "#7f7f7f"  # control-dependency edges (dashed)
DATA = "#4d4d4d"  # data edges
TEXT = "#222222"
TEXT_ON_DARK = "#ffffff"
RESERVED = (TRANSFER, IDLE, ERROR, UNPLACED)

# -- assignable colours ----------------------------------------------------------------------
# Tableau 10 and its light variants, without red, grey (reserved above), in a fixed order.
QUALITATIVE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#9467bd",
    "#17becf",
    "#bcbd22",
    "#e377c2",
    "#8c564b",
    "#aec7e8",
    "#ffbb78",
    "#98df8a",
    "#c5b0d5",
    "#9edae5",
    "#dbdb8d",
    "#f7b6d2",
    "#c49c94",
)
# Beyond the list, hues step by the golden angle; hues near red are skipped so that a
# device never looks like a transfer.
_GOLDEN_ANGLE = 0.381966
_RED_BAND = 0.06  # hue distance (0..1) from pure red kept free


def nth_color(i: int) -> str:
    """The ``i``-th assignable colour (any ``i >= 0``); never a reserved colour."""
    if i < len(QUALITATIVE):
        return QUALITATIVE[i]
    k = i - len(QUALITATIVE)
    hue = (0.58 + k * _GOLDEN_ANGLE) % 1.0
    while min(hue, 1.0 - hue) < _RED_BAND:
        hue = (hue + _GOLDEN_ANGLE) % 1.0
    lightness = (0.45, 0.62, 0.75)[k % 3]
    r, g, b = colorsys.hls_to_rgb(hue, lightness, 0.6)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


_DEVICE_FIELD = re.compile(r"/(job|replica|task|device):([^/]*)")


def device_sort_key(name: str) -> tuple:
    """Order device and task names the way a person reads a cluster: job, task, type, index.

    Names that do not parse sort after the others by their text.
    """
    fields = {}
    for key, value in _DEVICE_FIELD.findall(name):
        fields[key] = value
    short = re.fullmatch(r"/?(cpu|gpu):(\d+)", name, re.IGNORECASE)
    if short:
        fields["device"] = f"{short.group(1).upper()}:{short.group(2)}"
    if not fields:
        return (1, name)
    dev_type, _, index = fields.get("device", "").partition(":")
    return (
        0,
        fields.get("job", ""),
        _as_int(fields.get("replica")),
        _as_int(fields.get("task")),
        dev_type.upper(),
        _as_int(index),
        name,
    )


def _as_int(text) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        return -1


class SessionColors:
    """The colours a Python session has given to devices and tasks, kept for the session.

    Every view asks this one table, so a device keeps its colour from the cluster view to
    the graph, the placement table, the timeline and the widgets, whatever set of devices
    each view shows. A key is the device's (or task's) full name: ``/job:w/task:1/gpu:0``
    and ``/job:w/replica:0/task:1/device:GPU:0`` are one device. New keys take the next
    free colours in `device_sort_key` order.

        >>> colors = SessionColors()
        >>> colors.table(["/job:w/task:1/gpu:0"])
        {'/job:w/task:1/gpu:0': '#1f77b4'}
        >>> both = colors.table(["/job:w/task:0/cpu:0", "/job:w/replica:0/task:1/device:GPU:0"])
        >>> sorted(both.values())
        ['#1f77b4', '#ff7f0e']
    """

    __slots__ = ("_assigned",)

    def __init__(self):
        self._assigned = {}  # full name -> colour

    def table(self, keys, *, fixed=None) -> dict:
        """A colour for each key; ``fixed`` maps keys to colours decided elsewhere (e.g.
        "unplaced" grey) that are used as given and take no colour from the list."""
        fixed = dict(fixed or {})
        out = {}
        for key in sorted(set(keys), key=device_sort_key):
            if key in fixed:
                out[key] = fixed[key]
                continue
            full = full_name(key)
            color = self._assigned.get(full)
            if color is None:
                color = self._assigned[full] = nth_color(len(self._assigned))
            out[key] = color
        return out

    def color(self, key: str) -> str:
        """The colour of one device or task."""
        return self.table([key])[key]

    def reset(self) -> None:
        """Forget every colour given (a fresh lesson, or a test)."""
        self._assigned.clear()


def full_name(name: str) -> str:
    """A device or task name in TensorFlow's full form, the key of its colour: short device
    types (``gpu:0``) become ``device:GPU:0`` and a missing replica is 0. Names that are
    no device are returned as they are."""
    fields = dict(_DEVICE_FIELD.findall(name))
    short = re.search(r"(?:^|/)(cpu|gpu):(\d+)$", name, re.IGNORECASE)
    if short and "device" not in fields:
        fields["device"] = f"{short.group(1)}:{short.group(2)}"
    if not fields:
        return name
    out = ""
    if "job" in fields:
        out = f"/job:{fields['job']}/replica:{fields.get('replica', '0')}"
        out += f"/task:{fields.get('task', '0')}"
    if "device" in fields:
        dev_type, _, index = fields["device"].partition(":")
        out += f"/device:{dev_type.upper()}:{index}"
    return out


# One table per Python session (a notebook's kernel): what every view and widget colours by.
SESSION = SessionColors()


def color_table(keys, *, fixed=None) -> dict:
    """A colour for each key (device or task names), all different, from the session's
    table (`SESSION`): the same device has the same colour in every view of a session.

    ``fixed`` maps keys to colours decided elsewhere (e.g. "unplaced" grey) that are used
    as given and take no colour from the list.
    """
    return SESSION.table(keys, fixed=fixed)


# -- op families -----------------------------------------------------------------------------
# (family, how to match, text): the first rule that matches an op type wins.
OP_FAMILY_RULES = (
    ("transfer", "exact", "_Send"),
    ("transfer", "exact", "_Recv"),
    ("transfer", "exact", "_HostSend"),  # TensorFlow's host-memory transfers (a cond's pred)
    ("transfer", "exact", "_HostRecv"),
    ("state", "exact", "VariableV2"),
    ("state", "exact", "Variable"),
    ("state", "exact", "VarHandleOp"),
    ("state", "suffix", "Queue"),
    ("state", "suffix", "QueueV2"),
    ("state", "prefix", "Queue"),
    ("state", "prefix", "Assign"),
    ("array", "exact", "ScatterNd"),
    ("array", "prefix", "TensorScatter"),  # tf.tensor_scatter_nd_*: a scattered copy
    ("array", "exact", "UnravelIndex"),
    ("array", "exact", "ParallelConcat"),
    ("array", "exact", "SerializeSparse"),  # a SparseTensor as bytes, and back
    ("array", "exact", "SerializeManySparse"),
    ("array", "exact", "DeserializeManySparse"),
    ("array", "prefix", "SparseCross"),  # tf.sparse.cross(_hashed): feature crosses
    ("array", "exact", "SparseToDense"),
    ("array", "exact", "EditDistance"),
    # SparseTensor ops: those that move entries are array ops; sums and maxima reductions.
    ("array", "exact", "SparseConcat"),
    ("array", "exact", "SparseReorder"),
    ("array", "exact", "SparseReshape"),
    ("array", "exact", "SparseSlice"),
    ("array", "exact", "SparseSplit"),
    ("array", "exact", "SparseFillEmptyRows"),
    ("reduction", "prefix", "SparseReduce"),
    ("nn", "exact", "SparseSoftmax"),
    ("math", "exact", "SparseAdd"),
    ("math", "exact", "SparseTensorDenseAdd"),
    ("math", "prefix", "SparseDenseCwise"),
    ("math", "prefix", "SparseSparseM"),  # SparseSparseMaximum / Minimum
    ("state", "prefix", "Scatter"),
    ("state", "prefix", "ResourceScatter"),
    ("state", "exact", "IsVariableInitialized"),
    ("state", "exact", "ReadVariableOp"),
    ("state", "exact", "VarIsInitializedOp"),
    ("state", "exact", "ResourceGather"),
    ("state", "exact", "ReportUninitializedVariables"),
    ("training", "prefix", "Apply"),
    ("training", "prefix", "ResourceApply"),
    ("training", "prefix", "SparseApply"),  # an IndexedSlices gradient's row updates
    ("training", "prefix", "ResourceSparseApply"),
    # Gradient accumulators and sync tokens: SyncReplicasOptimizer's machinery.
    ("training", "contains", "AccumulatorApplyGradient"),
    ("training", "contains", "AccumulatorTakeGradient"),
    ("training", "prefix", "SyncToken"),
    ("state", "contains", "Accumulator"),
    ("state", "exact", "CountUpTo"),
    ("state", "prefix", "Stack"),  # a while loop's gradient keeps its forward values on stacks
    # Reading and writing: readers, files, checkpoints, parsing text and bytes, tf.data.
    ("io", "prefix", "Reader"),
    ("io", "suffix", "ReaderV2"),
    ("io", "prefix", "Decode"),
    ("io", "prefix", "Encode"),
    ("io", "prefix", "Parse"),  # tf.train.Example records
    ("io", "suffix", "File"),
    ("io", "suffix", "Files"),
    ("io", "prefix", "Save"),
    ("io", "prefix", "Restore"),
    ("io", "suffix", "Checkpoints"),
    ("io", "exact", "ShardedFilename"),
    ("io", "prefix", "String"),
    # Text ops and lookup tables (a table is state, filled by its initializer op).
    ("io", "exact", "AsString"),
    ("io", "exact", "Substr"),
    ("io", "exact", "ReduceJoin"),
    ("io", "exact", "UnsortedSegmentJoin"),
    ("io", "prefix", "Unicode"),
    ("io", "exact", "Fingerprint"),
    ("io", "contains", "Regex"),
    ("state", "exact", "HashTableV2"),
    ("state", "prefix", "LookupTable"),
    ("state", "prefix", "InitializeTable"),
    ("io", "contains", "Dataset"),  # tf.data: datasets and their iterators
    ("io", "contains", "Iterator"),
    ("input", "exact", "Const"),
    ("input", "prefix", "Placeholder"),
    ("random", "prefix", "Random"),
    ("random", "exact", "TruncatedNormal"),
    ("random", "exact", "Multinomial"),
    ("random", "prefix", "StatelessRandom"),  # tf.random.stateless_*: seeded by a tensor
    ("random", "exact", "StatelessTruncatedNormalV2"),
    ("random", "exact", "StatelessMultinomial"),
    ("random", "exact", "StatelessParameterizedTruncatedNormal"),
    ("random", "suffix", "CandidateSampler"),
    ("random", "exact", "ComputeAccidentalHits"),  # the samplers' companion
    ("gradient", "suffix", "Grad"),
    ("gradient", "exact", "BroadcastGradientArgs"),
    ("gradient", "exact", "FusedBatchNormGradV3"),
    ("gradient", "exact", "MaxPoolGradWithArgmax"),
    ("gradient", "prefix", "Dilation2DBackprop"),
    ("matrix", "suffix", "MatMul"),
    ("matrix", "suffix", "MatMulV2"),
    # Linear algebra: inverses, determinants, solves, decompositions, diagonals.
    ("matrix", "contains", "Matrix"),
    ("matrix", "exact", "Cholesky"),
    ("matrix", "exact", "Qr"),
    ("matrix", "exact", "Svd"),
    ("matrix", "prefix", "SelfAdjointEig"),
    ("matrix", "exact", "Einsum"),
    ("matrix", "exact", "Cross"),
    ("matrix", "exact", "Lu"),
    ("matrix", "prefix", "Tridiagonal"),
    ("matrix", "prefix", "Diag"),
    # Summaries: what a FileWriter writes out for TensorBoard.
    ("io", "contains", "Summary"),
    ("nn", "exact", "BiasAdd"),
    ("nn", "contains", "Relu"),
    ("nn", "contains", "Softmax"),
    ("nn", "contains", "Conv"),
    ("nn", "contains", "Pool"),
    ("nn", "contains", "BatchNorm"),
    ("nn", "exact", "LRN"),
    ("nn", "exact", "Dilation2D"),  # grey-scale morphology: tf.nn.dilation2d / erosion2d
    ("nn", "prefix", "CTC"),
    ("nn", "prefix", "Resize"),  # tf.image's resizes and colour adjustments
    ("nn", "prefix", "Adjust"),
    ("nn", "exact", "RGBToHSV"),
    ("nn", "exact", "HSVToRGB"),
    ("nn", "exact", "ExtractImagePatches"),
    ("nn", "exact", "ExtractVolumePatches"),
    # Boxes: crops and their gradients, suppression, drawing; the random crop is a draw.
    ("gradient", "prefix", "CropAndResizeGrad"),
    ("nn", "prefix", "CropAndResize"),
    ("nn", "prefix", "NonMaxSuppression"),
    ("nn", "exact", "CombinedNonMaxSuppression"),
    ("nn", "prefix", "DrawBoundingBoxes"),
    ("random", "prefix", "SampleDistortedBoundingBox"),
    ("nn", "exact", "ExtractGlimpse"),
    # Pixels moved between space, depth and batch (atrous convolution, sub-pixel upsampling).
    ("array", "exact", "SpaceToDepth"),
    ("array", "exact", "DepthToSpace"),
    ("array", "exact", "SpaceToBatchND"),
    ("array", "exact", "BatchToSpaceND"),
    ("nn", "exact", "Elu"),
    ("nn", "exact", "Selu"),
    ("nn", "exact", "Sigmoid"),
    ("nn", "exact", "Tanh"),
    ("nn", "exact", "Softplus"),
    ("nn", "exact", "Softsign"),
    ("nn", "exact", "L2Loss"),
    ("nn", "exact", "InTopKV2"),
    ("nn", "exact", "TopKV2"),
    ("control", "exact", "NoOp"),
    ("control", "exact", "Identity"),
    ("control", "exact", "IdentityN"),
    ("control", "exact", "StopGradient"),
    ("control", "exact", "GuaranteeConst"),
    ("control", "exact", "PreventGradient"),
    ("control", "exact", "Switch"),
    ("control", "exact", "Merge"),
    ("control", "exact", "Enter"),
    ("control", "exact", "Exit"),
    ("control", "exact", "NextIteration"),
    ("control", "exact", "LoopCond"),
    ("control", "exact", "ControlTrigger"),
    # The ref-typed twins of the control-flow ops (TF1's ref variables flowing through a cond).
    ("control", "exact", "RefSwitch"),
    ("control", "exact", "RefMerge"),
    ("control", "exact", "RefEnter"),
    ("control", "exact", "RefExit"),
    ("control", "exact", "RefNextIteration"),
    ("control", "exact", "Assert"),
    ("control", "exact", "Print"),
    ("control", "exact", "PrintV2"),  # tf.print
    ("control", "exact", "Timestamp"),  # tf.timestamp
    ("control", "exact", "CheckNumerics"),
    ("reduction", "exact", "Sum"),
    ("reduction", "exact", "Mean"),
    ("reduction", "exact", "EuclideanNorm"),
    ("reduction", "exact", "Max"),
    ("reduction", "exact", "Min"),
    ("reduction", "exact", "Prod"),
    ("reduction", "exact", "All"),
    ("reduction", "exact", "Any"),
    ("reduction", "prefix", "Arg"),
    ("reduction", "prefix", "Cum"),
    ("reduction", "contains", "Segment"),
    ("io", "exact", "ExtractJpegShape"),  # a JPEG header read, not a tensor's shape
    ("array", "contains", "Shape"),
    ("array", "prefix", "Reshape"),
    ("array", "prefix", "Concat"),
    ("array", "contains", "Slice"),
    ("array", "prefix", "Gather"),
    ("array", "prefix", "Split"),
    ("array", "prefix", "Squeeze"),
    ("array", "prefix", "ExpandDims"),
    ("array", "prefix", "Transpose"),
    ("array", "prefix", "Tile"),
    ("array", "prefix", "Pad"),
    ("array", "prefix", "MirrorPad"),
    ("array", "prefix", "Pack"),
    ("array", "prefix", "Unpack"),
    ("array", "prefix", "Fill"),
    ("array", "prefix", "Range"),
    ("array", "prefix", "Reverse"),
    ("array", "prefix", "BroadcastTo"),
    ("array", "suffix", "Like"),
    ("array", "exact", "OneHot"),
    ("array", "exact", "Rank"),
    ("array", "exact", "Size"),
    ("array", "exact", "Where"),
    ("array", "exact", "Cast"),
    ("array", "exact", "Bitcast"),
    ("array", "exact", "LinSpace"),
    ("array", "exact", "InvertPermutation"),
    ("array", "prefix", "Unique"),
    ("array", "exact", "ListDiff"),
    ("array", "contains", "SetOperation"),  # tf.sets: Dense/SparseTo...SetOperation
    ("array", "exact", "SetSize"),
    ("array", "prefix", "Dynamic"),  # DynamicPartition, DynamicStitch
    ("array", "exact", "ParallelDynamicStitch"),  # a sharded embedding_lookup's merge
    ("array", "exact", "BroadcastArgs"),
    ("array", "exact", "Roll"),
    ("array", "prefix", "TensorArray"),  # a while loop's per-iteration values (map_fn, scan)
    ("reduction", "contains", "Bincount"),
    ("reduction", "exact", "HistogramFixedWidth"),  # counts per bucket, like a bincount
    ("array", "exact", "LowerBound"),  # tf.searchsorted
    ("array", "exact", "UpperBound"),
    ("control", "prefix", "PyFunc"),  # a Python function called from the graph
    ("control", "exact", "EagerPyFunc"),  # tf.py_function
)
# Families in legend order, each with a colour of its own. "transfer" is red, as every
# transfer is; "state" is the reserved state colour.
OP_FAMILY_COLORS = {
    "input": "#9edae5",
    "state": "#e7ba52",
    "training": "#ff7f0e",
    "math": "#1f77b4",
    "matrix": "#17becf",
    "nn": "#2ca02c",
    "reduction": "#aec7e8",
    "array": "#c5b0d5",
    "random": "#bcbd22",
    "io": "#e377c2",
    "gradient": "#9467bd",
    "control": "#dddddd",
    "transfer": TRANSFER,
    "other": "#c49c94",
}
# Types that match no rule but are plainly element-wise or arithmetic fall in "math": the
# registry's ops mostly are.
_MATCHERS = {
    "exact": lambda t, s: t == s,
    "prefix": lambda t, s: t.startswith(s),
    "suffix": lambda t, s: t.endswith(s),
    "contains": lambda t, s: s in t,
}
_MATH_TYPES = frozenset(
    "Abs Add AddN AddV2 Ceil Cos Div Equal Exp Expm1 Floor FloorDiv FloorMod Greater "
    "GreaterEqual IsFinite IsInf IsNan Less LessEqual Log Log1p LogicalAnd LogicalNot "
    "LogicalOr Maximum Minimum Mul Neg NotEqual Pow RealDiv Reciprocal Round Rsqrt Select "
    "SelectV2 Sign Sin Sqrt Square SquaredDifference Sub Tan TruncateDiv TruncateMod "
    "Acos Acosh Asin Asinh Atan Atan2 Atanh Cosh Sinh Tanh Digamma Erf Erfc Lgamma Rint "
    "DivNoNan Igamma Igammac IgammaGradA Betainc Zeta Polygamma "
    # complex numbers and the Fourier transforms
    "Complex Real Imag Conj ComplexAbs Angle FFT IFFT FFT2D IFFT2D FFT3D IFFT3D "
    "RFFT IRFFT RFFT2D IRFFT2D RFFT3D IRFFT3D Xlogy Xdivy "
    # tf.math's special and nan-safe functions, tf.bitwise, saturate_cast's clamp
    "BesselI0 BesselI0e BesselI1 BesselI1e Erfinv Ndtri MulNoNan NextAfter Xlog1py "
    "BitwiseAnd BitwiseOr BitwiseXor Invert LeftShift RightShift ClipByValue "
    "BesselK0 BesselK0e BesselK1 BesselK1e BesselJ0 BesselJ1 BesselY0 BesselY1 "
    "Dawsn Expint FresnelCos FresnelSin Spence".split()
)


def op_family(op_type: str) -> str:
    """The family an op type belongs to (a key of `OP_FAMILY_COLORS`)."""
    # Asked once per event by the live views: remember each type's answer.
    family = _FAMILY_OF.get(op_type)
    if family is None:
        family = _FAMILY_OF[op_type] = _match_family(op_type)
    return family


_FAMILY_OF: dict = {}


def _match_family(op_type: str) -> str:
    for family, how, text in OP_FAMILY_RULES:
        if _MATCHERS[how](op_type, text):
            return family
    return "math" if op_type in _MATH_TYPES else "other"


# -- state ops -------------------------------------------------------------------------------
# Ops that *own* state that outlives a step, drawn as cylinders: variables and queues.
STATE_OP_TYPES = frozenset(
    {
        "VariableV2",
        "Variable",
        "VarHandleOp",
        "TemporaryVariable",
        "MutableHashTableV2",
        "HashTableV2",
    }
)
STATE_OP_SUFFIXES = ("Queue", "QueueV2")


def is_state_op_type(op_type: str) -> bool:
    return op_type in STATE_OP_TYPES or op_type.endswith(STATE_OP_SUFFIXES)


# -- boxes, nodes, edges ---------------------------------------------------------------------
# How each kind of box is drawn: a task, a device inside it, a name scope.
BOX_STYLES = {
    "task": {"stroke": "#555555", "fill": "#fbfbfb", "dash": "6,3", "label": "#333333"},
    "device": {"stroke": None, "fill": "#ffffff", "dash": None, "label": "#333333"},
    "scope": {"stroke": "#b0b0b0", "fill": "#f4f4f4", "dash": None, "label": "#555555"},
}
EDGE_STYLES = {
    "data": {"color": DATA, "dash": None, "width": 1.0},
    "control": {"color": CONTROL, "dash": "5,3", "width": 1.0},
    "transfer": {"color": TRANSFER, "dash": None, "width": 2.2},
}
SCOPE_NODE_FILL_MIXED = "#eeeeee"


def text_color(fill: str) -> str:
    """Black or white text, whichever reads better on ``fill`` (WCAG relative luminance)."""
    r, g, b = (int(fill[i : i + 2], 16) / 255 for i in (1, 3, 5))
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    luminance = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    return TEXT if luminance > 0.18 else TEXT_ON_DARK


def tint(color: str, amount: float = 0.85) -> str:
    """``color`` mixed with white (``amount`` 1.0 is white): a light fill for boxes."""
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    mix = [round(c + (255 - c) * amount) for c in (r, g, b)]
    return "#" + "".join(f"{c:02x}" for c in mix)
