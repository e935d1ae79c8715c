"""teachflow has TensorFlow 2.21's tf.compat.v1 names, namespace by namespace (recorded by
tests/fixtures/tensorflow/record_api_names.py), apart from the ones listed here: what a TF1
program may reach for and not find. A name added to teachflow leaves this list; a name
missing from teachflow and not listed fails the test."""

import json
import pathlib

import pytest

import teachflow as tf

RECORD = json.loads(
    (pathlib.Path(__file__).parent / "fixtures/tensorflow/api_names/names.json").read_text()
)

# TF 2 machinery and eager-only APIs (tf.function, GradientTape, distribution strategies,
# tf.Module, TPU/XLA/MLIR/lite, raw_ops), ragged tensors, quantization and bfloat16, custom
# op libraries: out of scope for a TF1 graph runtime.
TF2_OR_OUT_OF_SCOPE = {
    "": {
        "CriticalSection", "GradientTape", "IndexedSlicesSpec", "Module", "NoneTensorSpec",
        "OptionalSpec", "QUANTIZED_DTYPES", "RaggedTensor", "RaggedTensorSpec",
        "SparseTensorSpec", "TensorArraySpec", "TypeSpec", "VariableAggregation",
        "VariableSynchronization", "approx_top_k", "autograph", "bfloat16", "check_pinned",
        "dequantize", "distribute", "experimental", "fake_quant_with_min_max_args",
        "fake_quant_with_min_max_args_gradient", "fake_quant_with_min_max_vars",
        "fake_quant_with_min_max_vars_gradient", "fake_quant_with_min_max_vars_per_channel",
        "fake_quant_with_min_max_vars_per_channel_gradient", "feature_column", "function",
        "lite", "load_file_system_library", "load_library", "load_op_library",
        "mixed_precision", "mlir", "profiler", "qint16", "qint32", "qint8", "quantization",
        "quantize", "quantize_v2", "quantized_concat", "quint16", "quint8", "ragged",
        "ragged_fill_empty_rows", "ragged_fill_empty_rows_grad", "raw_ops", "resource",
        "to_bfloat16", "tpu", "type_spec_from_value", "types", "variable_creator_scope",
        "variant", "wrap_function", "xla",
    },
    "compat": {"v2"},
    "config": {
        "experimental_connect_to_cluster", "experimental_connect_to_host",
        "experimental_functions_run_eagerly", "experimental_run_functions_eagerly",
        "functions_run_eagerly", "optimizer", "run_functions_eagerly",
    },
    "data": {"DatasetSpec", "NumpyIterator"},
    "data.experimental": {
        "AutoShardPolicy", "DistributeOptions", "RaggedTensorStructure", "SHARD_HINT",
        "ServiceOptions", "dense_to_ragged_batch", "distributed_save", "enable_debug_mode",
        "service",
    },
    "debugging": {
        "disable_check_numerics", "disable_traceback_filtering", "enable_check_numerics",
        "enable_traceback_filtering", "experimental", "is_traceback_filtering_enabled",
    },
    "dtypes": {
        "QUANTIZED_DTYPES", "bfloat16", "experimental", "qint16", "qint32", "qint8", "quint16",
        "quint8",
    },
    "io": {"RaggedFeature"},
    "lookup": {"experimental"},
    "math": {"approx_max_k", "approx_min_k"},
    "nn": {
        "approx_max_k", "approx_min_k", "experimental", "quantized_avg_pool",
        "quantized_conv2d", "quantized_max_pool", "quantized_relu_x",
    },
    "random": {"Algorithm", "Generator", "experimental", "get_global_generator",
               "set_global_generator"},
    "saved_model": {"Asset", "SaveOptions", "experimental", "load_v2", "save"},
    "strings": {"unicode_decode", "unicode_decode_with_offsets", "unicode_split",
                "unicode_split_with_offsets"},
    "summary": {"all_v2_summary_ops", "initialize"},
    "test": {"experimental", "with_eager_op_as_function"},
    "train": {"Checkpoint", "CheckpointManager", "CheckpointOptions", "experimental"},
}  # fmt: skip

# TF1 graph-mode names not built yet.
NOT_YET = {
    "": {
        "LMDBReader", "NameAttrList", "OptimizerOptions", "SparseConditionalAccumulator",
        "SparseFeature", "TensorInfo", "conv", "conv2d_backprop_filter_v2",
        "conv2d_backprop_input_v2", "delete_session_tensor", "fftnd", "get_session_handle", "get_session_tensor",
        "grad_pass_through", "ifftnd", "irfftnd", "nondifferentiable_batch_function",
        "recompute_grad", "rfftnd", "switch_case", "sysconfig", "user_ops", "vectorized_map",
    },
    "config": {
        "LogicalDeviceConfiguration", "get_logical_device_configuration",
        "set_logical_device_configuration", "set_visible_devices",
    },
    "data.experimental": {
        "AutotuneAlgorithm", "AutotuneOptions", "DatasetInitializer", "DatasetStructure",
        "ExternalStatePolicy", "OptimizationOptions", "Optional", "OptionalStructure",
        "RandomDataset", "Reducer", "SparseTensorStructure", "SqlDataset", "Structure",
        "TFRecordWriter", "TensorArrayStructure", "TensorStructure", "assert_cardinality",
        "copy_to_device", "dense_to_sparse_batch", "from_list", "from_variant",
        "get_model_proto", "get_next_as_optional", "get_structure", "group_by_reducer",
        "index_table_from_dataset", "make_batched_features_dataset",
        "make_saveable_from_iterator", "map_and_batch_with_legacy_function",
        "pad_to_cardinality", "parse_example_dataset", "prefetch_to_device",
        "rejection_resample", "snapshot", "table_from_dataset", "to_variant",
    },
    "flags": {"tf_decorator"},
    "image": {"adjust_jpeg_quality", "decode_jxl", "decode_webp",
              "generate_bounding_box_proposals", "random_jpeg_quality"},
    "io": {"SparseFeature", "decode_jxl", "decode_proto", "decode_webp", "encode_proto"},
    "linalg": {
        "LinearOperator", "LinearOperatorAdjoint", "LinearOperatorBlockDiag",
        "LinearOperatorBlockLowerTriangular", "LinearOperatorCirculant",
        "LinearOperatorCirculant2D", "LinearOperatorCirculant3D", "LinearOperatorComposition",
        "LinearOperatorDiag", "LinearOperatorFullMatrix", "LinearOperatorHouseholder",
        "LinearOperatorIdentity", "LinearOperatorInversion", "LinearOperatorKronecker",
        "LinearOperatorLowRankUpdate", "LinearOperatorLowerTriangular",
        "LinearOperatorPermutation", "LinearOperatorScaledIdentity", "LinearOperatorToeplitz",
        "LinearOperatorTridiag", "LinearOperatorZeros", "experimental",
    },
    "math": {"sobol_sample"},
    "nn": {"ctc_loss_v2", "static_state_saving_rnn"},
    "signal": {"fftnd", "ifftnd", "inverse_mdct", "irfftnd", "kaiser_bessel_derived_window",
               "kaiser_window", "mdct", "rfftnd", "vorbis_window"},
    "sparse": {"SparseConditionalAccumulator", "bincount"},
    "strings": {"bytes_split", "ngrams", "unicode_encode"},
    "test": {"StubOutForTesting", "disable_with_predicate"},
    "train": {"do_quantize_training_on_graphdef", "sdca_fprint",
              "sdca_optimizer", "sdca_shrink_l1"},
}  # fmt: skip


def _namespace(path):
    module = tf
    for part in path.split(".") if path else []:
        module = getattr(module, part)
    return module


def _has(module, name):
    try:
        getattr(module, name)
    except AttributeError:
        return False
    return True


@pytest.mark.parametrize("path", sorted(RECORD["names"]))
def test_tensorflows_names_are_here_but_the_listed_ones(path):
    module = _namespace(path)
    missing = {n for n in RECORD["names"][path] if not _has(module, n)}
    listed = TF2_OR_OUT_OF_SCOPE.get(path, set()) | NOT_YET.get(path, set())
    assert missing == listed


def test_the_lists_do_not_overlap():
    for path in set(TF2_OR_OUT_OF_SCOPE) & set(NOT_YET):
        assert not TF2_OR_OUT_OF_SCOPE[path] & NOT_YET[path], path
