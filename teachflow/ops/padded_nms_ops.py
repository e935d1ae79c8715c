"""``tf.image.non_max_suppression_padded``: NMS for a batch of images with a fixed-size,
zero-padded answer — written, as in TensorFlow, from ordinary ops (no NMS kernel), so that
an accelerator can run it in parallel.

Boxes are sorted by score and cut into tiles of ``tile_size``. A tile is first suppressed
by every earlier tile at once (*cross suppression*: IoU at or above ``iou_threshold`` with
a surviving box), then by itself, repeatedly, until nothing changes (*self suppression*). A
suppressed box is zeroed; the answer is the boxes left non-zero, best first:

    >>> import numpy as np
    >>> import teachflow as tf
    >>> boxes = np.array([[0, 0, 1, 1], [0, 0.1, 1, 1.1], [0, 2, 1, 3]], np.float32)
    >>> idx, n = tf.image.non_max_suppression_padded(
    ...     boxes, [0.9, 0.8, 0.7], 3, pad_to_max_output_size=True)
    >>> with tf.Session() as sess:
    ...     print(*sess.run([idx, n]))
    [0 2 0] 2

The values are TensorFlow's, quirks included: a box is kept only if a coordinate of it is
above 0 (a zeroed box and a box in the negative quadrant look alike), and whether ``y1`` or
``y2`` is the minimum is decided from the first box alone.

TensorFlow 2.21 builds the body as a ``tf.function`` and puts one ``PartitionedCall`` op in
the graph, its eight inputs (boxes, scores, max_output_size, iou_threshold,
score_threshold, sorted_input, canonicalized_coordinates, tile_size) made Consts
``non_max_suppression_padded/Const...``. teachflow has no function library: it builds the
same body inline under ``non_max_suppression_padded/PartitionedCall/`` (the names
TensorFlow's runtime gives the body when it inlines the call) with v1 control flow, and
hands the two results on through one ``IdentityN`` named
``non_max_suppression_padded/PartitionedCall``, so ``PartitionedCall:0`` and ``:1`` are
the tensors TensorFlow's graph has. The body's Python-level branches (score filter,
canonicalisation, sorting), which TensorFlow's autograph turns into ``cond`` ops, are
decided while building, so ``sorted_input`` and ``canonicalized_coordinates`` must be
Python booleans here.
"""

from __future__ import annotations

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.operation import Tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape

__all__ = ["non_max_suppression_padded"]


def _bbox_overlap(boxes_a, boxes_b):
    """IoU ``[batch, n, m]`` of boxes ``[batch, n, 4]`` and ``[batch, m, 4]`` (corners
    ``[ymin, xmin, ymax, xmax]``), 1e-8 added to the union."""
    from teachflow.ops import array_ops, math_ops

    with name_scope("bbox_overlap"):
        a_y_min, a_x_min, a_y_max, a_x_max = array_ops.split(boxes_a, 4, axis=2)
        b_y_min, b_x_min, b_y_max, b_x_max = array_ops.split(boxes_b, 4, axis=2)
        i_xmin = math_ops.maximum(a_x_min, array_ops.transpose(b_x_min, [0, 2, 1]))
        i_xmax = math_ops.minimum(a_x_max, array_ops.transpose(b_x_max, [0, 2, 1]))
        i_ymin = math_ops.maximum(a_y_min, array_ops.transpose(b_y_min, [0, 2, 1]))
        i_ymax = math_ops.minimum(a_y_max, array_ops.transpose(b_y_max, [0, 2, 1]))
        i_area = math_ops.maximum((i_xmax - i_xmin), 0) * math_ops.maximum((i_ymax - i_ymin), 0)
        a_area = (a_y_max - a_y_min) * (a_x_max - a_x_min)
        b_area = (b_y_max - b_y_min) * (b_x_max - b_x_min)
        u_area = a_area + array_ops.transpose(b_area, [0, 2, 1]) - i_area + 1e-8
        return i_area / u_area


def _self_suppression(iou, _, iou_sum, iou_threshold):
    """One round inside a tile: boxes no kept box overlaps suppress the boxes they
    overlap; the loop goes on while the IoU sum still falls."""
    from teachflow.ops import array_ops, math_ops

    batch_size = array_ops.shape(iou)[0]
    can_suppress_others = math_ops.cast(
        array_ops.reshape(math_ops.reduce_max(iou, 1) < iou_threshold, [batch_size, -1, 1]),
        iou.dtype,
    )
    iou_after_suppression = (
        array_ops.reshape(
            math_ops.cast(
                math_ops.reduce_max(can_suppress_others * iou, 1) < iou_threshold, iou.dtype
            ),
            [batch_size, -1, 1],
        )
        * iou
    )
    iou_sum_new = math_ops.reduce_sum(iou_after_suppression, [1, 2])
    changed = math_ops.reduce_any(iou_sum - iou_sum_new > iou_threshold)
    return [iou_after_suppression, changed, iou_sum_new, iou_threshold]


def _cross_suppression(boxes, box_slice, iou_threshold, inner_idx, tile_size):
    """Tile ``inner_idx`` (already final) zeroes the boxes of ``box_slice`` it overlaps."""
    from teachflow.ops import array_ops, math_ops

    batch_size = array_ops.shape(boxes)[0]
    new_slice = array_ops.slice(boxes, [0, inner_idx * tile_size, 0], [batch_size, tile_size, 4])
    iou = _bbox_overlap(new_slice, box_slice)
    kept = math_ops.cast(math_ops.reduce_all(iou < iou_threshold, [1]), box_slice.dtype)
    return boxes, array_ops.expand_dims(kept, 2) * box_slice, iou_threshold, inner_idx + 1


def _suppression_loop_body(boxes, iou_threshold, output_size, idx, tile_size):
    """Make tile ``idx`` final: cross, then self suppression; count its survivors."""
    from teachflow.ops import array_ops, math_ops
    from teachflow.ops.constant_op import constant
    from teachflow.ops.control_flow_while import while_loop
    from teachflow.ops.filling import range as range_

    with name_scope("suppression_loop_body"):
        num_tiles = array_ops.shape(boxes)[1] // tile_size
        batch_size = array_ops.shape(boxes)[0]

        def cross_suppression_func(boxes, box_slice, iou_threshold, inner_idx):
            return _cross_suppression(boxes, box_slice, iou_threshold, inner_idx, tile_size)

        box_slice = array_ops.slice(boxes, [0, idx * tile_size, 0], [batch_size, tile_size, 4])
        _, box_slice, _, _ = while_loop(
            lambda _boxes, _box_slice, _threshold, inner_idx: inner_idx < idx,
            cross_suppression_func,
            [boxes, box_slice, iou_threshold, constant(0)],
        )
        iou = _bbox_overlap(box_slice, box_slice)
        mask = array_ops.expand_dims(
            array_ops.reshape(range_(tile_size), [1, -1])
            > array_ops.reshape(range_(tile_size), [-1, 1]),
            0,
        )
        iou *= math_ops.cast(math_ops.logical_and(mask, iou >= iou_threshold), iou.dtype)
        suppressed_iou, _, _, _ = while_loop(
            lambda _iou, loop_condition, _iou_sum, _: loop_condition,
            _self_suppression,
            [iou, constant(True), math_ops.reduce_sum(iou, [1, 2]), iou_threshold],
        )
        suppressed_box = math_ops.reduce_sum(suppressed_iou, 1) > 0
        box_slice *= array_ops.expand_dims(1.0 - math_ops.cast(suppressed_box, box_slice.dtype), 2)
        mask = array_ops.reshape(
            math_ops.cast(math_ops.equal(range_(num_tiles), idx), boxes.dtype), [1, -1, 1, 1]
        )
        boxes = array_ops.tile(
            array_ops.expand_dims(box_slice, [1]), [1, num_tiles, 1, 1]
        ) * mask + array_ops.reshape(boxes, [batch_size, num_tiles, tile_size, 4]) * (1 - mask)
        boxes = array_ops.reshape(boxes, [batch_size, -1, 4])
        output_size += math_ops.reduce_sum(
            math_ops.cast(math_ops.reduce_any(box_slice > 0, [2]), dtypes.int32), [1]
        )
    return boxes, iou_threshold, output_size, idx + 1


def _sort_scores_and_boxes(scores, boxes):
    from teachflow.ops import array_ops
    from teachflow.ops.sort_ops import argsort

    with name_scope("sort_scores_and_boxes"):
        order = argsort(scores, axis=1, direction="DESCENDING")
        sorted_scores = array_ops.gather(scores, order, axis=1, batch_dims=1)
        sorted_boxes = array_ops.gather(boxes, order, axis=1, batch_dims=1)
    return sorted_scores, sorted_boxes, order


def _canonicalize(boxes):
    """``[ymin, xmin, ymax, xmax]``, the order of each pair read from the first box."""
    from teachflow.ops import array_ops, math_ops
    from teachflow.ops.control_flow_cond import cond

    with name_scope("canonicalize_coordinates"):
        y_1, x_1, y_2, x_2 = array_ops.split(boxes, 4, axis=2)
        y_1_is_min = math_ops.reduce_all(math_ops.less_equal(y_1[0, 0, 0], y_2[0, 0, 0]))
        y_min, y_max = cond(y_1_is_min, lambda: (y_1, y_2), lambda: (y_2, y_1))
        x_1_is_min = math_ops.reduce_all(math_ops.less_equal(x_1[0, 0, 0], x_2[0, 0, 0]))
        x_min, x_max = cond(x_1_is_min, lambda: (x_1, x_2), lambda: (x_2, x_1))
        return array_ops.concat([y_min, x_min, y_max, x_max], axis=2)


def _padded_body(args, filter_scores, sorted_input, canonicalized_coordinates, tile_size):
    """TF's ``non_max_suppression_padded_v2``: ``(idx [batch, max_output_size],
    num_valid)`` for boxes ``[..., num_boxes, 4]``."""
    from teachflow.ops import array_ops, math_ops
    from teachflow.ops.comparison_ops import where_v2
    from teachflow.ops.constant_op import constant
    from teachflow.ops.control_flow_while import while_loop
    from teachflow.ops.filling import range as range_
    from teachflow.ops.top_k_ops import top_k

    boxes, scores, max_output_size, iou_threshold, score_threshold = args
    batch_dims = array_ops.shape(boxes)[:-2]
    num_boxes = array_ops.shape(boxes)[-2]
    boxes = array_ops.reshape(boxes, [-1, num_boxes, 4])
    scores = array_ops.reshape(scores, [-1, num_boxes])
    batch_size = array_ops.shape(boxes)[0]
    if filter_scores:
        with name_scope("filter_by_score"):
            score_mask = math_ops.cast(scores > score_threshold, scores.dtype)
            scores *= score_mask
            boxes *= array_ops.expand_dims(math_ops.cast(score_mask, boxes.dtype), 2)
    if not canonicalized_coordinates:
        boxes = _canonicalize(boxes)
    if not sorted_input:
        scores, boxes, sorted_indices = _sort_scores_and_boxes(scores, boxes)
    pad = (
        math_ops.cast(
            math_ops.ceil(
                math_ops.cast(math_ops.maximum(num_boxes, max_output_size), dtypes.float32)
                / math_ops.cast(tile_size, dtypes.float32)
            ),
            dtypes.int32,
        )
        * tile_size
        - num_boxes
    )
    boxes = array_ops.pad(math_ops.cast(boxes, dtypes.float32), [[0, 0], [0, pad], [0, 0]])
    # TF's shape inference folds ``pad`` (a Ceil teachflow's constant folding stops at):
    # the last dimension stays 4, as the loop's shape invariant requires.
    boxes.set_shape([None, None, 4])
    scores = array_ops.pad(math_ops.cast(scores, dtypes.float32), [[0, 0], [0, pad]])
    num_boxes_after_padding = num_boxes + pad
    num_iterations = num_boxes_after_padding // tile_size

    def loop_cond(unused_boxes, unused_threshold, output_size, idx):
        return math_ops.logical_and(
            math_ops.reduce_min(output_size) < max_output_size, idx < num_iterations
        )

    def loop_body(boxes, iou_threshold, output_size, idx):
        return _suppression_loop_body(boxes, iou_threshold, output_size, idx, tile_size)

    selected_boxes, _, output_size, _ = while_loop(
        loop_cond,
        loop_body,
        [boxes, iou_threshold, array_ops.zeros([batch_size], dtypes.int32), constant(0)],
        shape_invariants=[
            TensorShape([None, None, 4]),
            TensorShape([]),
            TensorShape([None]),
            TensorShape([]),
        ],
    )
    num_valid = math_ops.minimum(output_size, max_output_size)
    # The kept boxes' positions, first first: top_k of (kept * descending ranks).
    kept = math_ops.cast(math_ops.reduce_any(selected_boxes > 0, [2]), dtypes.int32)
    ranks = array_ops.expand_dims(range_(num_boxes_after_padding, 0, -1), 0)
    idx = num_boxes_after_padding - math_ops.cast(
        top_k(kept * ranks, max_output_size)[0], dtypes.int32
    )
    idx = math_ops.minimum(idx, num_boxes - 1)
    if not sorted_input:
        index_offsets = range_(batch_size) * num_boxes
        gather_idx = array_ops.reshape(idx + array_ops.expand_dims(index_offsets, 1), [-1])
        idx = array_ops.reshape(
            array_ops.gather(array_ops.reshape(sorted_indices, [-1]), gather_idx),
            [batch_size, -1],
        )
    invalid_index = array_ops.zeros(array_ops.stack([batch_size, max_output_size]), dtypes.int32)
    idx_index = array_ops.expand_dims(range_(max_output_size), 0)
    num_valid_expanded = array_ops.expand_dims(num_valid, 1)
    idx = where_v2(idx_index < num_valid_expanded, idx, invalid_index)
    return idx, array_ops.reshape(num_valid, batch_dims)


def _call_inputs(values):
    """The function call's inputs: each argument that is not a tensor becomes a Const
    (``Const``, ``Const_1``, ... in the caller's scope), as ``tf.function`` makes them."""
    kinds = [dtypes.float32, dtypes.float32, dtypes.int32, dtypes.float32, dtypes.float32]
    kinds += [dtypes.bool_, dtypes.bool_, dtypes.int32]
    return [
        v if isinstance(v, Tensor) else convert_to_tensor(v, dtype=k, name="Const")
        for v, k in zip(values, kinds)
    ]


def non_max_suppression_padded(
    boxes,
    scores,
    max_output_size,
    iou_threshold=0.5,
    score_threshold=float("-inf"),
    pad_to_max_output_size=False,
    name=None,
    sorted_input=False,
    canonicalized_coordinates=False,
    tile_size=512,
):
    """``(idx, num_valid)``: the indices (int32, best first) of the boxes NMS keeps and
    how many there are. ``boxes`` is ``[..., num_boxes, 4]`` and ``scores`` ``[...,
    num_boxes]``; the leading dimensions are a batch. With ``pad_to_max_output_size``,
    ``idx`` is ``[..., max_output_size]``, zero after the ``num_valid`` kept ones; without
    it (one image only: ValueError for a batch) it is just the kept indices."""
    from teachflow.ops import array_ops
    from teachflow.ops.identity_ops import identity_n

    with name_scope(name, "non_max_suppression_padded"):
        if not pad_to_max_output_size:
            rank = getattr(boxes, "shape", TensorShape(None))
            rank = rank.ndims if isinstance(rank, TensorShape) else len(rank)
            if rank is not None and rank > 2:
                raise ValueError(
                    f"'pad_to_max_output_size' (value {pad_to_max_output_size}) must be True "
                    "for batched input"
                )
        if not isinstance(sorted_input, bool) or not isinstance(canonicalized_coordinates, bool):
            raise TypeError("sorted_input and canonicalized_coordinates must be Python bools")
        values = [boxes, scores, max_output_size, iou_threshold, score_threshold]
        values += [sorted_input, canonicalized_coordinates, tile_size]
        inputs = _call_inputs(values)
        filter_scores = isinstance(score_threshold, Tensor) or score_threshold != float("-inf")
        tile = tile_size if isinstance(tile_size, int) else inputs[7]
        with name_scope(None, "PartitionedCall") as call:
            idx, num_valid = _padded_body(
                inputs[:5], filter_scores, sorted_input, canonicalized_coordinates, tile
            )
        idx, num_valid = identity_n([idx, num_valid], name=call)
        if not pad_to_max_output_size:
            idx = idx[0, :num_valid]
        else:
            batch_dims = array_ops.concat(
                [array_ops.shape(boxes)[:-2], array_ops.expand_dims(max_output_size, 0)], 0
            )
            idx = array_ops.reshape(idx, batch_dims)
        return idx, num_valid
