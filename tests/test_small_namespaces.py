"""TF1's small top-level modules (tf.dtypes, tf.bitwise, tf.manip, tf.version, tf.queue,
tf.resource_loader, tf.math.special), its build constants and its mode switches, against the
names TensorFlow 2.21's compat.v1 has (recorded by
tests/fixtures/tensorflow/record_math_names.py)."""

import json
import logging
import os
import pathlib

import pytest

import teachflow as tf

NAMESPACES = json.loads(
    (pathlib.Path(__file__).parent / "fixtures/tensorflow/math_names/math_names.json").read_text()
)["namespaces"]

# What teachflow does not have (yet): dtypes it has no kernels for, TPU-era approximations
# and Sobol sequences.
NOT_YET = {
    "dtypes": {"QUANTIZED_DTYPES", "bfloat16", "experimental", "qint16", "qint32", "qint8",
               "quint16", "quint8"},
    "math": {"approx_max_k", "approx_min_k", "sobol_sample"},
}  # fmt: skip


def _module(path):
    module = tf
    for part in path.split("."):
        module = getattr(module, part)
    return module


@pytest.mark.parametrize("path", sorted(NAMESPACES["names"]))
def test_namespace_has_tensorflows_names(path):
    module = _module(path)
    missing = {n for n in NAMESPACES["names"][path] if not hasattr(module, n)}
    assert missing == NOT_YET.get(path, set())


@pytest.mark.parametrize("path", ["dtypes", "bitwise", "manip", "version", "queue"])
def test_namespaces_are_in_compat_v1(path):
    import teachflow.compat.v1 as v1

    assert getattr(v1, path) is getattr(tf, path)


def test_namespace_names_are_the_top_level_objects():
    assert tf.dtypes.float32 is tf.float32 and tf.dtypes.bool is tf.bool
    assert tf.dtypes.cast is tf.cast and tf.dtypes.saturate_cast is tf.saturate_cast
    assert tf.dtypes.as_dtype("int64") is tf.int64 and tf.dtypes.DType is tf.DType
    for name in tf.manip.__all__:
        assert getattr(tf.manip, name) is getattr(tf, name)
    for name in tf.queue.__all__:
        assert getattr(tf.queue, name) is getattr(tf, name)


def test_version_constants():
    assert tf.VERSION == tf.version.VERSION == tf.__version__
    for name, value in NAMESPACES["constants"].items():
        assert getattr(tf, name) == value, name
    assert tf.version.GRAPH_DEF_VERSION == tf.GRAPH_DEF_VERSION
    with tf.Graph().as_default() as g:
        tf.constant(1.0)
    assert g.as_graph_def().versions.producer == tf.GRAPH_DEF_VERSION
    assert isinstance(tf.GIT_VERSION, str) and isinstance(tf.COMPILER_VERSION, str)
    assert tf.CXX11_ABI_FLAG == 0 and tf.CXX_VERSION == 0


def test_get_logger_is_pythons_tensorflow_logger():
    assert tf.get_logger() is logging.getLogger(NAMESPACES["logger"])


def test_mode_questions_have_tensorflows_answers():
    assert tf.resource_variables_enabled() is NAMESPACES["resource_variables_enabled"]
    assert (
        tf.executing_eagerly_outside_functions()
        is NAMESPACES["executing_eagerly_outside_functions"]
    )


def test_disabling_what_teachflow_already_does_is_a_no_op():
    for disable in (
        tf.disable_tensor_equality,
        tf.disable_v2_tensorshape,
        tf.disable_v2_behavior,
        tf.disable_resource_variables,
        tf.disable_control_flow_v2,
        tf.disable_eager_execution,
    ):
        assert disable() is None
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None, 3])
        assert x.shape[1].value == 3 and tf.dimension_at_index(x.shape, 0).value is None
        assert repr(tf.dimension_at_index(tf.TensorShape(None), 2)) == "Dimension(None)"
        assert (x == x) is True  # TF1: == compares the objects
    assert not tf.executing_eagerly()  # fmt: skip


@pytest.mark.parametrize(
    "enable, words",
    [
        (tf.enable_eager_execution, "Eager execution is not supported"),
        (tf.enable_v2_behavior, "TensorFlow 2 behaviour is not supported"),
        (tf.enable_control_flow_v2, "Switch/Merge"),
        (tf.enable_resource_variables, "reference variables"),
        (tf.enable_tensor_equality, "tf.equal"),
        (tf.enable_v2_tensorshape, "Dimension objects"),
    ],
)
def test_enabling_tf2_behaviour_says_what_teachflow_runs(enable, words):
    with pytest.raises(NotImplementedError, match="graph mode only") as caught:
        enable()
    assert words in str(caught.value)


def test_resource_loader_finds_files_beside_the_caller(tmp_path):
    here = os.path.dirname(os.path.abspath(__file__))
    assert tf.resource_loader.get_data_files_path() == here
    assert tf.resource_loader.get_path_to_datafile("a.txt") == os.path.join(here, "a.txt")
    assert tf.resource_loader.get_root_dir_with_all_resources() == here
    assert tf.resource_loader.readahead_file_path("x") == "x"
    assert tf.resource_loader.load_resource("version.py").startswith(b'"""``tf.version``')
    with pytest.raises(OSError):
        tf.resource_loader.load_resource("no/such/file")


def test_saturate_cast_of_complex_keeps_the_real_part():
    with tf.Graph().as_default(), tf.Session() as sess:
        got = sess.run(tf.saturate_cast(tf.complex([300.0, -2.0], [4.0, -1.0]), tf.uint8))
    assert got.tolist() == [255, 0]
