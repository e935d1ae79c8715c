"""tf.data.experimental's group_by_window, bucket_by_sequence_length, choose_from_datasets
and sample_from_datasets against TensorFlow's recorded graphs, elements and errors
(tests/fixtures/tensorflow/record_data_grouping.py)."""

import json
import pathlib

import numpy as np
import pytest

import teachflow as tf
from teachflow.data import structure

RECORDS = json.loads(
    (
        pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/data_grouping/data_grouping.json"
    ).read_text()
)
PROGRAMS, ERRORS = RECORDS["programs"], RECORDS["errors"]
FUNCTION_ATTRS = ("key_func", "reduce_func", "window_size_func")


def _attr(value):
    if isinstance(value, tf.DType):
        return value.name
    if isinstance(value, (list, tuple)):
        return [_attr(v) for v in value]
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, tf.TensorShape):
        return value.as_list() if value.ndims is not None else None
    return value


def _elements(ds):
    flat = structure.flatten(tf.data.make_one_shot_iterator(ds).get_next())
    elements = []
    with tf.Session() as sess:
        while True:
            try:
                values = sess.run(flat)
            except tf.errors.OutOfRangeError:
                return elements
            elements.append(values)


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_graph_and_elements_are_tensorflows(name):
    record = PROGRAMS[name]
    with tf.Graph().as_default() as g:
        scope = {"tf": tf, "np": np}
        exec(record["program"], scope)
        ds = scope["ds"]
        assert sorted(f"{op.name}:{op.type}" for op in g.get_operations()) == sorted(record["ops"])
        for op_name, want in record["attrs"].items():
            attrs = g.get_operation_by_name(op_name)._attrs
            got = {
                k: _attr(v)
                for k, v in sorted(attrs.items())
                if not k.startswith("_") and k not in FUNCTION_ATTRS
            }
            assert got == want, op_name
        shapes = structure.flatten(ds.output_shapes)
        assert [s.as_list() if s.ndims is not None else None for s in shapes] == record["shapes"]
        assert [t.name for t in structure.flatten(ds.output_types)] == record["dtypes"]
        got = _elements(ds)
    assert len(got) == len(record["elements"])
    for element, want in zip(got, record["elements"]):
        for value, w, dtype in zip(element, want, record["dtypes"]):
            assert np.asarray(value).dtype.name == dtype
            np.testing.assert_array_equal(value, np.asarray(w, dtype))


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_are_tensorflows(name):
    record = ERRORS[name]
    with tf.Graph().as_default():
        scope = {"tf": tf, "np": np}
        exec(record["program"], scope)
        with pytest.raises(getattr(tf.errors, record["error"])) as info:
            _elements(scope["ds"])
    assert record["message"] in info.value.message


def test_group_by_window_needs_exactly_one_window_size():
    with pytest.raises(ValueError, match="must be specified"):
        tf.data.experimental.group_by_window(lambda x: x, lambda k, w: w)
    with pytest.raises(ValueError, match="must be specified"):
        tf.data.experimental.group_by_window(lambda x: x, lambda k, w: w, 2, lambda k: k)


def test_group_by_window_checks_its_functions():
    ds = tf.data.Dataset.range(4)
    with pytest.raises(ValueError, match="must return a single `tf.int64` scalar"):
        ds.group_by_window(lambda x: tf.stack([x, x]), lambda k, w: w, 2)
    with pytest.raises(TypeError, match="must return a single `tf.data.Dataset`"):
        ds.group_by_window(lambda x: x, lambda k, w: k, 2)


def test_bucket_sizes_must_match_the_boundaries():
    with pytest.raises(ValueError, match="must equal `len"):
        tf.data.experimental.bucket_by_sequence_length(lambda x: x, [3, 5], [2, 2])


def test_choose_from_datasets_wants_int64_scalar_choices():
    choice = tf.data.Dataset.from_tensor_slices([0, 1])  # int32
    with pytest.raises(TypeError, match="must be scalar `tf.int64`"):
        tf.data.experimental.choose_from_datasets([tf.data.Dataset.range(2)] * 2, choice)


def test_sample_from_datasets_checks_weights():
    datasets = [tf.data.Dataset.range(2), tf.data.Dataset.range(2)]
    with pytest.raises(ValueError, match="same length as `datasets`"):
        tf.data.experimental.sample_from_datasets(datasets, [1.0])
    with pytest.raises(TypeError, match="either `tf.float32` or `tf.float64`"):
        tf.data.experimental.sample_from_datasets(datasets, [1, 2])


def test_a_grouped_pipeline_exports_to_a_graph_def_and_runs_again():
    # Its three functions go into the GraphDef's library; imported, it gives the same elements.
    graph = tf.Graph()
    with graph.as_default():
        ds = tf.data.Dataset.range(10).apply(
            tf.data.experimental.group_by_window(lambda x: x % 2, lambda k, w: w.batch(2), 2)
        )
        nxt = ds.make_one_shot_iterator().get_next()
        graph_def = graph.as_graph_def()
    assert any(
        n.op == "GroupByWindowDataset" for f in graph_def.library.function for n in f.node_def
    )
    imported = tf.Graph()
    with imported.as_default():
        tf.import_graph_def(graph_def, name="")
        with tf.Session() as sess:
            got = [sess.run(nxt.name).tolist() for _ in range(5)]
    assert got == [[0, 2], [1, 3], [4, 6], [5, 7], [8]]


def _bucketed(ds, boundaries, sizes, **kwargs):
    lengths = tf.data.experimental.bucket_by_sequence_length(
        lambda e: tf.shape(e)[0], boundaries, sizes, **kwargs
    )
    return ds.apply(lengths)


def test_bucket_by_sequence_length_pads_to_the_bucket_boundary_as_tensorflow(sess):
    ds = tf.data.Dataset.from_tensor_slices([1, 3, 2, 4, 5, 2, 1, 6, 3]).map(
        lambda n: tf.fill([n], n)
    )
    nxt = tf.data.make_one_shot_iterator(
        _bucketed(ds, [3, 7], [2, 3, 1], pad_to_bucket_boundary=True, drop_remainder=True)
    ).get_next()
    # Recorded from TF 2.21: lengths 3..6 go to the bucket [3, 7), padded to 7 - 1 = 6.
    assert [sess.run(nxt).tolist() for _ in range(3)] == [
        [[1, 0], [2, 2]],
        [[3, 3, 3, 0, 0, 0], [4, 4, 4, 4, 0, 0], [5, 5, 5, 5, 5, 0]],
        [[2, 2], [1, 0]],
    ]
    with pytest.raises(tf.errors.OutOfRangeError):
        sess.run(nxt)


def test_an_element_past_the_last_boundary_fails_when_padding_to_boundaries(sess):
    ds = tf.data.Dataset.from_tensor_slices([1, 2, 5, 6]).map(lambda n: tf.fill([n], n))
    nxt = tf.data.make_one_shot_iterator(
        _bucketed(ds, [3, 5], [2, 2, 2], pad_to_bucket_boundary=True)
    ).get_next()
    assert sess.run(nxt).tolist() == [[1, 0], [2, 2]]
    # TF 2.21 reports it as an InternalError wrapping the function's InvalidArgumentError.
    with pytest.raises(
        tf.errors.InvalidArgumentError,
        match=r"When pad_to_bucket_boundary=True, elements must have length < "
        r"max\(bucket_boundaries\)\.",
    ):
        sess.run(nxt)
