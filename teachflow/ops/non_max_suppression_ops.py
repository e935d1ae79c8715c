"""``tf.image.non_max_suppression``: from overlapping boxes, keep the best-scoring ones.

Candidates are visited best score first (the lower index first among equal scores); a
candidate is kept unless its overlap with a box already kept exceeds the threshold. With
``soft_nms_sigma > 0`` (``non_max_suppression_with_scores``) an overlap, whatever its size,
only lowers the candidate's score by ``exp(-0.5 * overlap**2 / sigma)``, and the candidate
goes back into the queue with its new score (Bodla et al., Soft-NMS, 2017).

    >>> import teachflow as tf
    >>> boxes = [[0, 0, 1, 1], [0, 0.1, 1, 1.1], [0, 2, 1, 3]]
    >>> keep = tf.image.non_max_suppression(boxes, [0.9, 0.8, 0.7], max_output_size=3)
    >>> with tf.Session() as sess:
    ...     print(sess.run(keep))
    [0 2]

The overlap is the boxes' intersection over union (``NonMaxSuppressionV3``, ``V5``), or
read from a matrix the caller computed (``NonMaxSuppressionWithOverlaps``). The loop is
TensorFlow's ``DoNonMaxSuppressionOp`` (non_max_suppression_op.cc), in the boxes' dtype.
"""

from __future__ import annotations

import heapq
import math

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import get_default_graph
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.ops.elementwise import check_allowed

__all__ = [
    "non_max_suppression",
    "non_max_suppression_overlaps",
    "non_max_suppression_with_scores",
]

_BOX_TYPES = (dtypes.float16, dtypes.float32)


def _invalid(message):
    return errors.InvalidArgumentError(None, None, message)


def iou_matrix(boxes: np.ndarray) -> np.ndarray:
    """Intersection over union of every pair of ``[y1, x1, y2, x2]`` boxes (corners in
    either order), in the boxes' dtype; 0 where either box has no area.

        >>> iou_matrix(np.array([[0, 0, 2, 2], [1, 0, 3, 2]], np.float32))[0].tolist()
        [1.0, 0.3333333432674408]
    """
    lo = np.minimum(boxes[:, :2], boxes[:, 2:])
    hi = np.maximum(boxes[:, :2], boxes[:, 2:])
    area = (hi[:, 0] - lo[:, 0]) * (hi[:, 1] - lo[:, 1])
    inter_lo = np.maximum(lo[:, None], lo[None, :])
    inter_hi = np.minimum(hi[:, None], hi[None, :])
    zero = boxes.dtype.type(0)
    sides = np.maximum(inter_hi - inter_lo, zero)
    inter = sides[..., 0] * sides[..., 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = inter / (area[:, None] + area[None, :] - inter)
    empty = (area[:, None] <= 0) | (area[None, :] <= 0)
    return np.where(empty, zero, iou).astype(boxes.dtype)


def suppress(similarity, scores, max_output, threshold, score_threshold, sigma=0.0):
    """The kept indices and their (possibly softened) scores, in the order chosen."""
    dtype = scores.dtype.type
    # Soft-NMS (sigma > 0) in TF 2.21 only lowers scores: the IoU threshold is not applied.
    soft = sigma > 0
    scale = dtype(-0.5) / dtype(sigma) if soft else dtype(0)
    threshold, score_threshold = dtype(threshold), dtype(score_threshold)
    # heapq pops the smallest: best score first, lower index first among ties.
    queue = [(-s, i, 0) for i, s in enumerate(scores) if s > score_threshold]
    heapq.heapify(queue)
    selected, selected_scores = [], []
    while len(selected) < max_output and queue:
        neg_score, index, begin = heapq.heappop(queue)
        score = original = dtype(-neg_score)
        hard = False
        # Newest kept boxes first: an overlapping box is likely a recent one. A candidate
        # is compared with each kept box once (``begin`` remembers how far it got).
        for j in range(len(selected) - 1, begin - 1, -1):
            sim = similarity[index, selected[j]]
            if soft:
                score = dtype(score * dtype(math.exp(float(scale * sim * sim))))
            elif sim > threshold:
                # TF 2.21 suppresses strictly above the threshold (older kernels: at or
                # above), so with threshold 0 boxes that do not touch all survive.
                hard = True
                break
            if score <= score_threshold:
                break
        if hard:
            continue
        if score == original:
            selected.append(index)
            selected_scores.append(score)
        elif score > score_threshold:
            heapq.heappush(queue, (-score, index, len(selected)))
    return np.array(selected, np.int32), np.array(selected_scores, scores.dtype)


def _check_scores(scores, num_boxes):
    if scores.ndim != 1:
        raise _invalid(f"scores must be 1-D{list(scores.shape)}")
    if scores.shape[0] != num_boxes:
        raise _invalid("scores has incompatible shape")


def _max_output(max_output_size):
    max_output_size = np.asarray(max_output_size)
    if max_output_size.ndim != 0:
        raise _invalid(f"max_output_size must be 0-D, got shape {list(max_output_size.shape)}")
    return int(max_output_size)


def _boxes(boxes):
    boxes = np.asarray(boxes)
    if boxes.ndim != 2:
        raise _invalid(f"boxes must be 2-D{list(boxes.shape)}")
    if boxes.shape[1] != 4:
        raise _invalid("boxes must have 4 columns")
    return boxes


def _iou_threshold(value):
    value = np.asarray(value)
    if not 0 <= value <= 1:
        raise _invalid("iou_threshold must be in [0, 1]")
    return value


# -- the kernels ------------------------------------------------------------------------------
def _v3_kernel(op, device):
    def non_max_suppression_v3(boxes, scores, max_output_size, iou_threshold, score_threshold):
        boxes, scores = _boxes(boxes), np.asarray(scores)
        max_output = _max_output(max_output_size)
        threshold = _iou_threshold(iou_threshold)
        _check_scores(scores, boxes.shape[0])
        keep, _ = suppress(iou_matrix(boxes), scores, max_output, threshold, score_threshold)
        return keep

    return non_max_suppression_v3


def _v5_kernel(op, device):
    def non_max_suppression_v5(
        boxes, scores, max_output_size, iou_threshold, score_threshold, soft_nms_sigma
    ):
        boxes, scores = _boxes(boxes), np.asarray(scores)
        max_output = _max_output(max_output_size)
        threshold = _iou_threshold(iou_threshold)
        if not np.asarray(soft_nms_sigma) >= 0:
            raise _invalid("soft_nms_sigma_val must be >= 0")
        _check_scores(scores, boxes.shape[0])
        keep, kept_scores = suppress(
            iou_matrix(boxes), scores, max_output, threshold, score_threshold, soft_nms_sigma
        )
        return keep, kept_scores, np.int32(len(keep))

    return non_max_suppression_v5


def _overlaps_kernel(op, device):
    def non_max_suppression_with_overlaps(
        overlaps, scores, max_output_size, overlap_threshold, score_threshold
    ):
        overlaps, scores = np.asarray(overlaps, np.float32), np.asarray(scores, np.float32)
        if overlaps.ndim != 2:
            raise _invalid(f"overlaps must be 2-D{list(overlaps.shape)}")
        if overlaps.shape[1] != overlaps.shape[0]:
            raise _invalid(f"overlaps must be square{list(overlaps.shape)}")
        max_output = _max_output(max_output_size)
        _check_scores(scores, overlaps.shape[0])
        keep, _ = suppress(overlaps, scores, max_output, overlap_threshold, score_threshold)
        return keep

    return non_max_suppression_with_overlaps


def _selected(op):
    return TensorShape([None])


registry.register(
    "NonMaxSuppressionV3",
    lambda op: [(dtypes.int32, _selected(op))],
    _v3_kernel,
    not_differentiable=True,
)
registry.register(
    "NonMaxSuppressionV5",
    lambda op: [
        (dtypes.int32, _selected(op)),
        (op._attrs["T"], _selected(op)),
        (dtypes.int32, TensorShape([])),
    ],
    _v5_kernel,
    not_differentiable=True,
)
registry.register(
    "NonMaxSuppressionWithOverlaps",
    lambda op: [(dtypes.int32, _selected(op))],
    _overlaps_kernel,
    not_differentiable=True,
)


# -- the public functions ---------------------------------------------------------------------
def _box_inputs(boxes, scores):
    boxes = convert_to_tensor(boxes, name="boxes", preferred_dtype=dtypes.float32)
    check_allowed(boxes, _BOX_TYPES, "boxes")
    scores = convert_to_tensor(scores, dtype=boxes.dtype.base_dtype, name="scores")
    boxes.shape.with_rank(2)
    scores.shape.with_rank(1)
    return boxes, scores


def _thresholds(dtype, **values):
    return [convert_to_tensor(v, dtype=dtype, name=k) for k, v in values.items()]


def non_max_suppression(
    boxes, scores, max_output_size, iou_threshold=0.5, score_threshold=float("-inf"), name=None
):
    """The indices (int32, best first) of at most ``max_output_size`` of ``boxes``
    (``[num_boxes, 4]``) that overlap no better-scoring kept box by more than
    ``iou_threshold``, among those scoring above ``score_threshold``."""
    with name_scope(name, "non_max_suppression"):
        iou, score_min = _thresholds(
            dtypes.float32, iou_threshold=iou_threshold, score_threshold=score_threshold
        )
        graph = get_default_graph()
        with name_scope(None, "NonMaxSuppressionV3") as scope:
            boxes, scores = _box_inputs(boxes, scores)
            size = convert_to_tensor(max_output_size, dtype=dtypes.int32, name="max_output_size")
            attrs = {"T": boxes.dtype.base_dtype, "T_threshold": dtypes.float32}
            inputs = [boxes, scores, size, iou, score_min]
            return graph.create_op("NonMaxSuppressionV3", inputs, attrs, name=scope).outputs[0]


def non_max_suppression_with_scores(
    boxes,
    scores,
    max_output_size,
    iou_threshold=0.5,
    score_threshold=float("-inf"),
    soft_nms_sigma=0.0,
    name=None,
):
    """`non_max_suppression` that also returns the kept boxes' scores; with
    ``soft_nms_sigma > 0``, overlaps lower a candidate's score instead of removing it
    (Soft-NMS), and the returned scores are the lowered ones."""
    with name_scope(name, "non_max_suppression_with_scores"):
        boxes_t = convert_to_tensor(boxes, name="boxes", preferred_dtype=dtypes.float32)
        dtype = boxes_t.dtype.base_dtype
        iou, score_min, sigma = (
            convert_to_tensor(v, dtype=dtype, name=k)
            for k, v in (
                ("iou_threshold", iou_threshold),
                ("score_threshold", score_threshold),
                ("soft_nms_sigma", soft_nms_sigma),
            )
        )
        graph = get_default_graph()
        with name_scope(None, "NonMaxSuppressionV5") as scope:
            boxes, scores = _box_inputs(boxes_t, scores)
            size = convert_to_tensor(max_output_size, dtype=dtypes.int32, name="max_output_size")
            attrs = {"T": boxes.dtype.base_dtype, "pad_to_max_output_size": False}
            inputs = [boxes, scores, size, iou, score_min, sigma]
            op = graph.create_op("NonMaxSuppressionV5", inputs, attrs, name=scope)
        return op.outputs[0], op.outputs[1]


def non_max_suppression_overlaps(
    overlaps,
    scores,
    max_output_size,
    overlap_threshold=0.5,
    score_threshold=float("-inf"),
    name=None,
):
    """`non_max_suppression` with the overlaps given: ``overlaps[i, j]`` (float32,
    ``[num_boxes, num_boxes]``) says how much box ``i`` overlaps box ``j``."""
    with name_scope(name, "non_max_suppression_overlaps"):
        threshold = convert_to_tensor(
            overlap_threshold, dtype=dtypes.float32, name="overlap_threshold"
        )
        graph = get_default_graph()
        with name_scope(None, "NonMaxSuppressionWithOverlaps") as scope:
            overlaps = convert_to_tensor(overlaps, dtype=dtypes.float32, name="overlaps")
            scores = convert_to_tensor(scores, dtype=dtypes.float32, name="scores")
            size = convert_to_tensor(max_output_size, dtype=dtypes.int32, name="max_output_size")
            score_min = convert_to_tensor(
                score_threshold, dtype=dtypes.float32, name="score_threshold"
            )
            inputs = [overlaps, scores, size, threshold, score_min]
            return graph.create_op("NonMaxSuppressionWithOverlaps", inputs, {}, name=scope).outputs[
                0
            ]
