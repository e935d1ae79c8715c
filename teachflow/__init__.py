"""teachflow: TensorFlow 1.x graph execution, re-implemented to be read and watched.

>>> import teachflow as tf
>>> a = tf.constant(1.0)
>>> with tf.Session() as sess:
...     print(sess.run(a * 3))
3.0
"""

from teachflow import (
    app,
    audio,
    bitwise,
    config,
    data,
    debugging,
    distributed,
    distributions,
    dtypes,
    flags,
    gfile,
    graph_util,
    image,
    initializers,
    io,
    keras,
    layers,
    linalg,
    logging,
    lookup,
    losses,
    manip,
    math,
    metrics,
    nest,
    nn,
    python_io,
    queue,
    random,
    resource_loader,
    saved_model,
    sets,
    signal,
    sparse,
    spectral,
    strings,
    summary,
    test,
    train,
    version,
)  # noqa: E402 (namespaces)
from teachflow.framework import errors
from teachflow.framework.conversion import (
    convert_to_tensor,
    is_symbolic_tensor,
    is_tensor,
    register_tensor_conversion_function,
)
from teachflow.framework.device_spec import DeviceSpec
from teachflow.framework.dtypes import (
    DType,
    as_dtype,
    complex64,
    complex128,
    double,
    float16,
    float32,
    float32_ref,
    float64,
    float64_ref,
    half,
    int8,
    int16,
    int32,
    int32_ref,
    int64,
    int64_ref,
    string,
    uint8,
    uint16,
    uint32,
    uint64,
)
from teachflow.framework.dtypes import (
    bool_ as bool,  # noqa: A001 - TF's public name
)
from teachflow.framework.errors import OpError
from teachflow.framework.graph import (
    Graph,
    GraphKeys,
    get_default_graph,
    get_default_session,
    reset_default_graph,
)
from teachflow.framework.importer import import_graph_def
from teachflow.framework.modes import *  # noqa: F403
from teachflow.framework.operation import Operation, Tensor
from teachflow.framework.registry import NoGradient, NotDifferentiable, RegisterGradient
from teachflow.framework.registry import NotDifferentiable as no_gradient  # noqa: N813 - TF
from teachflow.framework.scopes import (
    add_to_collection,
    add_to_collections,
    colocate_with,
    container,
    control_dependencies,
    device,
    get_collection,
    get_collection_ref,
    init_scope,
    name_scope,
)
from teachflow.framework.shapes import (
    Dimension,
    TensorShape,
    dimension_at_index,
    dimension_value,
)
from teachflow.framework.sparse_tensor import SparseTensorValue
from teachflow.framework.tensor_spec import TensorSpec
from teachflow.framework.tensor_util import make_ndarray, make_tensor_proto
from teachflow.logging import get_logger
from teachflow.ops.accumulator_ops import *  # noqa: F403
from teachflow.ops.array_ops import *  # noqa: F403
from teachflow.ops.batch_index_ops import *  # noqa: F403
from teachflow.ops.bincount_ops import *  # noqa: F403
from teachflow.ops.bitcast_ops import *  # noqa: F403
from teachflow.ops.broadcast_ops import *  # noqa: F403
from teachflow.ops.check_ops import *  # noqa: F403
from teachflow.ops.clip_ops import *  # noqa: F403
from teachflow.ops.complex_ops import *  # noqa: F403
from teachflow.ops.confusion_matrix_ops import *  # noqa: F403
from teachflow.ops.constant_op import *  # noqa: F403
from teachflow.ops.contraction_ops import *  # noqa: F403
from teachflow.ops.control_flow_cond import case, cond  # noqa: F401
from teachflow.ops.control_flow_ops import *  # noqa: F403
from teachflow.ops.control_flow_while import while_loop  # noqa: F401
from teachflow.ops.cross_ops import *  # noqa: F403
from teachflow.ops.custom_gradient import custom_gradient  # noqa: F401
from teachflow.ops.data_flow_ops import *  # noqa: F403
from teachflow.ops.decode_compressed_ops import decode_compressed
from teachflow.ops.diag_ops import *  # noqa: F403
from teachflow.ops.edit_distance_ops import *  # noqa: F403
from teachflow.ops.example_batch_parsing_ops import *  # noqa: F403
from teachflow.ops.example_parsing_ops import *  # noqa: F403
from teachflow.ops.fft_ops import fft, fft2d, fft3d, ifft, ifft2d, ifft3d  # noqa: F401
from teachflow.ops.fingerprint_ops import fingerprint  # noqa: F401
from teachflow.ops.functional_ops import foldl, foldr, map_fn, scan  # noqa: F401
from teachflow.ops.gamma_poisson_ops import random_gamma, random_poisson  # noqa: F401
from teachflow.ops.get_static_value import get_static_value
from teachflow.ops.gradients import *  # noqa: F403
from teachflow.ops.hessians import hessians
from teachflow.ops.histogram_ops import *  # noqa: F403
from teachflow.ops.identity_ops import guarantee_const
from teachflow.ops.image_ops import random_crop  # noqa: F401 - TF1 has it at the top
from teachflow.ops.image_patches_ops import *  # noqa: F403
from teachflow.ops.index_shuffle_ops import random_index_shuffle  # noqa: F401
from teachflow.ops.indexed_slices import *  # noqa: F403
from teachflow.ops.indexed_slices_ops import convert_to_tensor_or_indexed_slices  # noqa: F401
from teachflow.ops.init_ops import *  # noqa: F403
from teachflow.ops.io_ops import *  # noqa: F403
from teachflow.ops.json_example_ops import decode_json_example
from teachflow.ops.least_squares_ops import *  # noqa: F403
from teachflow.ops.legacy_scopes import op_scope, variable_op_scope
from teachflow.ops.linalg_ops import *  # noqa: F403
from teachflow.ops.logging_ops import *  # noqa: F403
from teachflow.ops.lookup_ops import *  # noqa: F403
from teachflow.ops.lookup_ops import tables_initializer as initialize_all_tables
from teachflow.ops.math_ops import *  # noqa: F403
from teachflow.ops.matrix_functions import matrix_square_root  # noqa: F401
from teachflow.ops.nn_ops import *  # noqa: F403
from teachflow.ops.numeric_checks import *  # noqa: F403
from teachflow.ops.orthogonal_init_ops import *  # noqa: F403
from teachflow.ops.parallel_stack_ops import *  # noqa: F403
from teachflow.ops.parsing_ops import *  # noqa: F403
from teachflow.ops.partition_ops import *  # noqa: F403
from teachflow.ops.partitioned_variables import *  # noqa: F403
from teachflow.ops.partitioners import *  # noqa: F403
from teachflow.ops.print_ops import print_v2 as print  # noqa: F401, A004 - TF's name
from teachflow.ops.random_ops import *  # noqa: F403
from teachflow.ops.repeat_ops import *  # noqa: F403
from teachflow.ops.reverse_sequence_ops import reverse_sequence  # noqa: F401
from teachflow.ops.roll_ops import *  # noqa: F403
from teachflow.ops.saturate_cast_ops import *  # noqa: F403
from teachflow.ops.scatter_nd_ref_ops import *  # noqa: F403
from teachflow.ops.scatter_ops import *  # noqa: F403
from teachflow.ops.script_ops import *  # noqa: F403
from teachflow.ops.search_ops import *  # noqa: F403
from teachflow.ops.segment_ops import *  # noqa: F403
from teachflow.ops.sequence_example_parsing_ops import parse_single_sequence_example
from teachflow.ops.sequence_mask_ops import *  # noqa: F403
from teachflow.ops.set_ops import *  # noqa: F403
from teachflow.ops.shape_checks import assert_rank_at_least, assert_rank_in  # noqa: F401
from teachflow.ops.shape_guards import *  # noqa: F403
from teachflow.ops.sort_ops import *  # noqa: F403
from teachflow.ops.space_depth_ops import *  # noqa: F403
from teachflow.ops.space_to_batch_convolution import required_space_to_batch_paddings  # noqa: F401
from teachflow.ops.sparse_binary_ops import *  # noqa: F403
from teachflow.ops.sparse_indicator_ops import *  # noqa: F403
from teachflow.ops.sparse_join_ops import *  # noqa: F403
from teachflow.ops.sparse_layout_ops import *  # noqa: F403
from teachflow.ops.sparse_matmul_ops import *  # noqa: F403
from teachflow.ops.sparse_ops import *  # noqa: F403
from teachflow.ops.sparse_reduce_ops import *  # noqa: F403
from teachflow.ops.sparse_segment_ops import *  # noqa: F403
from teachflow.ops.sparse_serialization_ops import *  # noqa: F403
from teachflow.ops.special_function_ops import *  # noqa: F403
from teachflow.ops.special_math_ops import *  # noqa: F403
from teachflow.ops.state_ops import *  # noqa: F403
from teachflow.ops.string_conversion_ops import *  # noqa: F403
from teachflow.ops.string_ops import *  # noqa: F403
from teachflow.ops.string_split_ops import *  # noqa: F403
from teachflow.ops.template import make_template  # noqa: F401
from teachflow.ops.tensor_array_ops import TensorArray  # noqa: F401
from teachflow.ops.tensor_scatter_ops import *  # noqa: F403
from teachflow.ops.tensor_serialization_ops import parse_tensor, serialize_tensor  # noqa: F401
from teachflow.ops.timestamp_ops import timestamp
from teachflow.ops.unravel_index_ops import *  # noqa: F403
from teachflow.ops.variable_scope import *  # noqa: F403
from teachflow.ops.variables import *  # noqa: F403
from teachflow.ops.volume_patches_ops import *  # noqa: F403
from teachflow.proto.messages import (
    AttrValue,
    Event,
    GraphDef,
    HistogramProto,
    LogMessage,
    MetaGraphDef,
    NodeDef,
    SessionLog,
    Summary,
    SummaryMetadata,
)
from teachflow.runtime.config import (
    ConfigProto,
    GPUOptions,
    GraphOptions,
    RunMetadata,
    RunOptions,
)
from teachflow.runtime.session import InteractiveSession, Session
from teachflow.version import (
    COMPILER_VERSION,
    CXX11_ABI_FLAG,
    CXX_VERSION,
    GIT_VERSION,
    GRAPH_DEF_VERSION,
    GRAPH_DEF_VERSION_MIN_CONSUMER,
    GRAPH_DEF_VERSION_MIN_PRODUCER,
    MONOLITHIC_BUILD,
    VERSION,
)

__version__ = VERSION

# Last: tf.compat.v1 re-exports everything above.
from teachflow import compat  # noqa: E402

# The virtual-time model sits above the runtime: importing it installs its replay for
# ConfigProto(virtual_time=True) sessions (teachflow/runtime/virtual_time_hook.py).
from teachflow import sim as _sim  # noqa: E402, F401


def __getattr__(name: str):
    # Only for names teachflow lacks: tf.contrib and tf.estimator say what to use instead.
    from teachflow.out_of_scope import missing

    raise missing(__name__, name)


def load_ipython_extension(ipython):
    """``%load_ext teachflow``: the ``%teachflow`` magics (IPython is imported only now)."""
    from teachflow.magics import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython):
    from teachflow.magics import unload_ipython_extension as unload

    unload(ipython)
