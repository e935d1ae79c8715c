"""``tf.image.draw_bounding_boxes``: boxes outlined on a batch of images, one pixel wide.

Box ``[y1, x1, y2, x2]`` (normalised) covers rows ``int(y1 * (height - 1))`` to
``int(y2 * (height - 1))``, truncated as TensorFlow's kernel truncates, and the same for
columns; its four sides are painted in the colour of the box's rank in a table that
repeats (TensorFlow's ten default colours, yellow first, or the rows of ``colors``). A
side outside the image is not drawn; an inverted box is skipped.

    >>> import numpy as np
    >>> import teachflow as tf
    >>> images = np.zeros((1, 4, 5, 1), np.float32)
    >>> drawn = tf.image.draw_bounding_boxes(images, [[[0, 0, 1, 0.5]]])
    >>> with tf.Session() as sess:
    ...     print(sess.run(drawn)[0, :, :, 0])
    [[1. 1. 1. 0. 0.]
     [1. 0. 1. 0. 0.]
     [1. 0. 1. 0. 0.]
     [1. 1. 1. 0. 0.]]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import get_default_graph
from teachflow.framework.scopes import name_scope
from teachflow.ops.elementwise import check_allowed

__all__ = ["draw_bounding_boxes"]

_IMAGE_TYPES = (dtypes.float32, dtypes.float16)

# RGBA: yellow, blue, red, lime, purple, olive, maroon, navy, aqua, fuchsia
# (draw_bounding_box_op.cc's DefaultColorTable).
DEFAULT_COLORS = np.array(
    [
        [1, 1, 0, 1],
        [0, 0, 1, 1],
        [1, 0, 0, 1],
        [0, 1, 0, 1],
        [0.5, 0, 0.5, 1],
        [0.5, 0.5, 0, 1],
        [0.5, 0, 0, 1],
        [0, 0, 0.5, 1],
        [0, 1, 1, 1],
        [1, 0, 1, 1],
    ],
    np.float32,
)


def _invalid(message):
    return errors.InvalidArgumentError(None, None, message)


def _color_table(colors, depth):
    if colors is not None:
        if colors.ndim != 2:
            raise _invalid(f"colors must be a 2-D matrix{list(colors.shape)}")
        if colors.shape[1] < depth:
            raise _invalid(
                "colors must have equal or more channels than the image provided: "
                f"{list(colors.shape)}"
            )
        if colors.size:
            return colors[:, :depth]
    table = DEFAULT_COLORS[:, :depth].copy()
    if depth == 1:
        table[:, 0] = 1  # a grey image gets white boxes
    return table


def draw(images, boxes, colors=None):
    """``images`` with ``boxes`` outlined (the kernel, in numpy)."""
    if images.ndim != 4:
        raise _invalid("The rank of the images should be 4")
    if boxes.ndim != 3:
        raise _invalid("The rank of the boxes tensor should be 3")
    if images.shape[0] != boxes.shape[0]:
        raise _invalid("The batch sizes should be the same")
    batch, height, width, depth = images.shape
    if depth not in (1, 3, 4):
        raise _invalid("Channel depth should be either 1 (GRY), 3 (RGB), or 4 (RGBA)")
    if boxes.shape[2] != 4:
        raise _invalid(
            f"The size of the third dimension of the box must be 4. Received: {boxes.shape[2]}"
        )
    table = _color_table(colors, depth).astype(images.dtype)
    canvas = images.copy()
    # float32 coordinate times the side, truncated toward zero as the C++ cast does.
    rows = np.trunc(boxes[..., 0::2].astype(np.float32) * np.float32(height - 1)).astype(np.int64)
    cols = np.trunc(boxes[..., 1::2].astype(np.float32) * np.float32(width - 1)).astype(np.int64)
    for b in range(batch):
        for k in range(boxes.shape[1]):
            (top, bottom), (left, right) = rows[b, k], cols[b, k]
            if top > bottom or left > right:
                continue  # inverted: TF logs a warning and skips it
            if top >= height or bottom < 0 or left >= width or right < 0:
                continue  # wholly outside the image
            color = table[k % len(table)]
            top_c, bottom_c = max(top, 0), min(bottom, height - 1)
            left_c, right_c = max(left, 0), min(right, width - 1)
            if top >= 0:
                canvas[b, top, left_c : right_c + 1] = color
            if bottom < height:
                canvas[b, bottom, left_c : right_c + 1] = color
            if left >= 0:
                canvas[b, top_c : bottom_c + 1, left] = color
            if right < width:
                canvas[b, top_c : bottom_c + 1, right] = color
    return canvas


def _kernel(op, device):
    def draw_bounding_boxes(images, boxes, colors=None):
        colors = None if colors is None else np.asarray(colors, np.float32)
        return draw(np.asarray(images), np.asarray(boxes, np.float32), colors)

    return draw_bounding_boxes


def _infer(op):
    images = op.inputs[0]
    images.shape.with_rank(4)
    op.inputs[1].shape.with_rank(3)
    return [(images.dtype.base_dtype, images.shape)]


for _type in ("DrawBoundingBoxes", "DrawBoundingBoxesV2"):
    registry.register(_type, _infer, _kernel, not_differentiable=True)


def draw_bounding_boxes(images, boxes, name=None, colors=None):
    """``images`` (``[batch, height, width, depth]``, float32 or float16, depth 1, 3 or 4)
    with ``boxes`` (``[batch, num_boxes, 4]``) outlined; ``colors`` (``[num_colors, >=
    depth]`` float32) replaces the default colour table (``DrawBoundingBoxesV2``)."""
    op_type = "DrawBoundingBoxes" if colors is None else "DrawBoundingBoxesV2"
    with name_scope(name, op_type) as scope:
        images = convert_to_tensor(images, name="images")
        check_allowed(images, _IMAGE_TYPES, "images")
        inputs = [images, convert_to_tensor(boxes, dtype=dtypes.float32, name="boxes")]
        if colors is not None:
            inputs.append(convert_to_tensor(colors, dtype=dtypes.float32, name="colors"))
        attrs = {"T": images.dtype.base_dtype}
        return get_default_graph().create_op(op_type, inputs, attrs, name=scope).outputs[0]
