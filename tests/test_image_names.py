"""tf.image's compat.v1 aliases: TF 2.21 binds these names to the same functions
(``tf.compat.v1.image.resize is tf.compat.v1.image.resize_images`` is True there)."""

import pytest

import teachflow as tf
from tests.ops.image_names_programs import programs, run_program


def test_v1_aliases_are_the_same_functions():
    assert tf.image.resize is tf.image.resize_images
    assert tf.image.resize_with_crop_or_pad is tf.image.resize_image_with_crop_or_pad
    assert tf.image.transpose is tf.image.transpose_image


def test_resize_builds_the_v1_graph():
    with tf.Graph().as_default() as g:
        tf.image.resize(tf.zeros([5, 6, 3]), [3, 4])
        types = [op.type for op in g.get_operations() if op.name.startswith("resize/")]
    # TF 2.21: resize/ExpandDims, resize/ResizeBilinear, resize/Squeeze (and constants).
    assert [t for t in types if t != "Const"] == ["ExpandDims", "ResizeBilinear", "Squeeze"]


def test_extract_patches_names():
    # TF 2's extract_patches (sizes=) and the v1 extract_image_patches (ksizes=, or sizes=).
    assert tf.image.extract_image_patches is tf.extract_image_patches


@pytest.mark.parametrize("name", programs("extract_patches"))
def test_extract_patches_graphs_and_values_are_tensorflows(name):
    run_program(name)
