"""Summary ops against TensorFlow's recorded answers (tests/fixtures/tensorflow/summaries).

The fixture holds the serialized ``Summary`` of each op on fixed inputs, as TensorFlow's
``tf.compat.v1.summary`` produced it; teachflow's bytes must be the same (PNG images:
the same pixels, as libpng's filter choice is its own).
"""

from __future__ import annotations

import io
import json
import pathlib

import numpy as np
import pytest
from PIL import Image

import teachflow as tf
from teachflow.proto import messages

FIXTURE = pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/summaries/summaries.json"
TF = json.loads(FIXTURE.read_text())
INPUTS = TF["inputs"]


def build_like_the_recorder():
    """The graph of record_summaries.py's record_summaries(), op for op."""
    ops = {}
    ops["scalar"] = tf.summary.scalar("loss", tf.constant(1.5))
    ops["family"] = tf.summary.scalar("acc", tf.constant(0.25, tf.float64), family="train")
    ops["histogram"] = tf.summary.histogram("weights", tf.constant(INPUTS["histogram"]))
    ops["histogram64"] = tf.summary.histogram("w64", tf.constant(INPUTS["histogram"], tf.float64))
    ops["histogram_empty"] = tf.summary.histogram("empty", tf.zeros([0]))
    ops["histogram_ints"] = tf.summary.histogram("ints", tf.constant([3, 1, 4, 1, 5]))
    image = np.array(INPUTS["image"], np.float32)
    ops["image"] = tf.summary.image("img", tf.constant(image), max_outputs=3)
    gray = np.array(INPUTS["image_uint8"], np.uint8)
    ops["image_uint8"] = tf.summary.image("gray", tf.constant(gray), max_outputs=1)
    ops["text"] = tf.summary.text("note", tf.constant("hello **teachflow**"))
    ops["tensor"] = tf.summary.tensor_summary("t", tf.constant([[1.0, 2.0]]))
    clips = np.array(INPUTS["audio"], np.float32)
    ops["audio"] = tf.summary.audio("aud", tf.constant(clips), 8000, max_outputs=2)
    other = tf.summary.scalar("other", tf.constant(2.0), collections=["mine"])
    ops["merged"] = tf.summary.merge_all()
    ops["named"] = tf.summary.merge([ops["scalar"], other], name="pair")
    ops["mine"] = tf.summary.merge_all(key="mine")
    return ops


@pytest.fixture(scope="module")
def recorded_graph():
    graph = tf.Graph()
    with graph.as_default():
        ops = build_like_the_recorder()
        with tf.Session() as sess:
            values = sess.run(ops)
    return graph, values


def pixels(png: bytes) -> np.ndarray:
    return np.array(Image.open(io.BytesIO(png)))


def without_pixels(summary_bytes):
    """The Summary with each PNG replaced by its decoded pixels (returned aside)."""
    summary = messages.Summary.FromString(summary_bytes)
    images = []
    for value in summary.value:
        if value.HasField("image"):
            images.append(pixels(value.image.encoded_image_string))
            value.image.encoded_image_string = b""
    return summary.SerializeToString(), images


@pytest.mark.parametrize(
    "key",
    [
        "scalar",
        "family",
        "histogram",
        "histogram64",
        "histogram_empty",
        "histogram_ints",
        "text",
        "tensor",
        "audio",
        "named",
        "mine",
    ],
)
def test_summary_bytes_are_tensorflows(recorded_graph, key):
    _, values = recorded_graph
    assert isinstance(values[key], bytes)
    assert values[key] == bytes.fromhex(TF["summaries"][key])


@pytest.mark.parametrize("key", ["image", "image_uint8", "merged"])
def test_image_summaries_have_tensorflows_fields_and_pixels(recorded_graph, key):
    _, values = recorded_graph
    mine, my_images = without_pixels(values[key])
    theirs, their_images = without_pixels(bytes.fromhex(TF["summaries"][key]))
    assert mine == theirs
    assert len(my_images) == len(their_images) > 0
    for a, b in zip(my_images, their_images):
        np.testing.assert_array_equal(a, b)


def test_ops_have_tensorflows_types_inputs_and_attrs(recorded_graph):
    graph, _ = recorded_graph
    for name, info in TF["ops"].items():
        op = graph.get_operation_by_name(name)
        assert op.type == info["type"], name
        assert [t.name for t in op.inputs] == info["inputs"], name
        assert sorted(op._attrs) == info["attrs"], name
        assert op.outputs[0].dtype.name == info["dtype"]
        assert op.outputs[0].shape.as_list() == info["shape"]


def test_summaries_collection_is_tensorflows(recorded_graph):
    graph, _ = recorded_graph
    assert [t.name for t in graph.get_collection(tf.GraphKeys.SUMMARIES)] == TF["collection"]


def test_merge_all_of_a_graph_without_summaries_is_none():
    assert TF["merge_all_empty_is_none"]
    with tf.Graph().as_default():
        assert tf.summary.merge_all() is None
        tf.summary.scalar("elsewhere", 1.0, collections=["other"])
        assert tf.summary.merge_all() is None
        assert tf.summary.merge_all(key="other").op.type == "MergeSummary"


def test_merge_all_scope_keeps_matching_names():
    with tf.Graph().as_default():
        with tf.name_scope("train"):
            tf.summary.scalar("loss", 1.0)
        tf.summary.scalar("eval_loss", 2.0)
        merged = tf.summary.merge_all(scope="train")
        with tf.Session() as sess:
            summary = tf.Summary.FromString(sess.run(merged))
    assert [v.tag for v in summary.value] == ["train/loss"]


def test_illegal_characters_in_a_name_become_underscores():
    with tf.Graph().as_default():
        s = tf.summary.scalar("loss (train)", 1.0)
        with tf.Session() as sess:
            tag = tf.Summary.FromString(sess.run(s)).value[0].tag
    assert s.op.name == "loss__train_"
    assert tag == "loss__train_"


def test_scalar_summary_of_a_vector_with_a_vector_of_tags():
    with tf.Graph().as_default():
        op = tf.get_default_graph().create_op(
            "ScalarSummary",
            [tf.constant(["a", "b"]), tf.constant([1.0, 2.0])],
            {"T": tf.float32},
        )
        with tf.Session() as sess:
            summary = tf.Summary.FromString(sess.run(op.outputs[0]))
    assert [(v.tag, v.simple_value) for v in summary.value] == [("a", 1.0), ("b", 2.0)]


def test_text_metadata_is_written_once_per_tag_by_the_writer_not_the_op():
    with tf.Graph().as_default():
        t = tf.summary.text("note", tf.constant("x"))
        with tf.Session() as sess:
            first, second = sess.run(t), sess.run(t)
    assert first == second
    assert tf.Summary.FromString(first).value[0].metadata.plugin_data.plugin_name == "text"


# -- errors: TensorFlow's classes and words ---------------------------------------------
def run_error(build, feed):
    with tf.Graph().as_default():
        fetch = build()
        with tf.Session() as sess:
            with pytest.raises(tf.errors.OpError) as info:
                sess.run(fetch, feed_dict=feed)
    return info.value


def placeholder_summary(kind):
    def build():
        p = tf.placeholder(tf.float32, name="p")
        if kind == "histogram":
            return tf.summary.histogram("h", p)
        if kind == "image":
            return tf.summary.image("im", p)
        return tf.summary.scalar("v", p)

    return build


@pytest.mark.parametrize(
    ("case", "kind", "value"),
    [
        ("histogram_nan", "histogram", np.array([1.0, np.nan], np.float32)),
        ("histogram_inf", "histogram", np.array([np.inf], np.float32)),
        ("scalar_vector", "scalar", np.ones([2], np.float32)),
        ("image_channels", "image", np.ones([1, 2, 2, 2], np.float32)),
        ("image_rank", "image", np.ones([2, 2, 2], np.float32)),
    ],
)
def test_run_errors_are_tensorflows(case, kind, value):
    expected = TF["errors"][case]
    error = run_error(placeholder_summary(kind), {"p:0": value})
    assert type(error).__name__ == expected["class"]
    assert expected["message"] in error.message


def test_merging_a_tag_twice_fails_when_run():
    def build():
        a = tf.summary.scalar("x", 1.0)
        return tf.summary.merge([a, a])

    expected = TF["errors"]["merge_duplicate"]
    error = run_error(build, None)
    assert isinstance(error, tf.errors.InvalidArgumentError)
    assert expected["message"] in error.message
    assert "Merge/MergeSummary" in error.message


def test_build_errors_are_tensorflows():
    with tf.Graph().as_default():
        with pytest.raises(TypeError) as info:
            tf.summary.scalar("s", tf.constant("a"))
        assert str(info.value) == TF["errors"]["scalar_string"]["message"]
    with tf.Graph().as_default():
        with pytest.raises(ValueError) as info:
            tf.summary.text("t", tf.constant(1.0))
        assert str(info.value) == TF["errors"]["text_dtype"]["message"]
        with pytest.raises(TypeError, match="parameter 'tensor' has DataType int32"):
            tf.summary.image("im", tf.zeros([1, 2, 2, 1], tf.int32))


def test_float_images_are_rescaled_per_image_and_bad_pixels_are_red():
    images = np.zeros([2, 1, 3, 3], np.float32)
    images[0, 0] = [[0.0, 0.5, 1.0], [0.25, 0.25, 0.25], [np.nan, 0.0, 0.0]]
    images[1, 0] = [[-2.0, 0.0, 2.0], [1.0, 1.0, 1.0], [0.0, 0.0, 0.0]]
    with tf.Graph().as_default():
        s = tf.summary.image("im", tf.constant(images), max_outputs=5)
        with tf.Session() as sess:
            summary = tf.Summary.FromString(sess.run(s))
    assert [v.tag for v in summary.value] == ["im/image/0", "im/image/1"]
    first = pixels(summary.value[0].image.encoded_image_string)
    second = pixels(summary.value[1].image.encoded_image_string)
    # Non-negative: the largest value becomes 255 (C++ truncates 63.75 to 63).
    np.testing.assert_array_equal(first[0], [[0, 127, 255], [63, 63, 63], [255, 0, 0]])
    # With negatives: 0 -> 128, the largest magnitude (2) -> 127 away.
    np.testing.assert_array_equal(second[0], [[1, 128, 255], [191, 191, 191], [128, 128, 128]])
