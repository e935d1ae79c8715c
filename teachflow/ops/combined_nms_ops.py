"""``tf.image.combined_non_max_suppression`` (op ``CombinedNonMaxSuppression``): the
detection head's last step. For each image of a batch and each class, greedy NMS keeps at
most ``max_output_size_per_class`` boxes; the survivors of all classes are then ranked by
score and the best ``max_total_size`` kept, zero-padded to a fixed size.

    >>> import teachflow as tf
    >>> boxes = [[[[0, 0, 1, 1]], [[0, 0.1, 1, 1.1]], [[0, 2, 1, 3]]]]  # [1, 3, q=1, 4]
    >>> scores = [[[0.9, 0.1], [0.8, 0.7], [0.3, 0.6]]]                # [1, 3, 2 classes]
    >>> out = tf.image.combined_non_max_suppression(boxes, scores, 2, 3, clip_boxes=False)
    >>> with tf.Session() as sess:
    ...     r = sess.run(out)
    >>> r.nmsed_scores.tolist(), r.nmsed_classes.tolist(), r.valid_detections.tolist()
    ([[0.8999999761581421, 0.699999988079071, 0.6000000238418579]], [[0.0, 1.0, 1.0]], [3])

The kernel is TensorFlow's ``BatchedNonMaxSuppressionOp`` (non_max_suppression_op.cc), in
float32: a box is suppressed when its IoU with a kept box of its class is *above*
``iou_threshold``, and a candidate must score *above* ``score_threshold``. Equal scores are
ordered as TF's ``std::priority_queue`` and ``std::sort`` order them
(`teachflow.ops.stl_ordering`). ``q`` (boxes' third dimension) is 1 (boxes shared by all
classes) or the number of classes. ``pad_per_class`` pads to
``min(max_total_size, max_output_size_per_class * num_classes)`` instead of
``max_total_size``; ``clip_boxes`` clips the output corners to [0, 1].
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import get_default_graph
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape, dimension_value
from teachflow.ops.stl_ordering import HeapQueue, sort

__all__ = ["combined_non_max_suppression"]

_INT32_MAX = 2**31 - 1
_F32 = np.float32
CombinedNonMaxSuppression = namedtuple(
    "CombinedNonMaxSuppression",
    ["nmsed_boxes", "nmsed_scores", "nmsed_classes", "valid_detections"],
)


def _invalid(message):
    return errors.InvalidArgumentError(None, None, message)


def _iou(a, b):
    """TF's float ``IOU`` of two ``[y1, x1, y2, x2]`` boxes (float32 rows)."""
    ymin_a, ymax_a = min(a[0], a[2]), max(a[0], a[2])
    xmin_a, xmax_a = min(a[1], a[3]), max(a[1], a[3])
    ymin_b, ymax_b = min(b[0], b[2]), max(b[0], b[2])
    xmin_b, xmax_b = min(b[1], b[3]), max(b[1], b[3])
    area_a = (ymax_a - ymin_a) * (xmax_a - xmin_a)
    area_b = (ymax_b - ymin_b) * (xmax_b - xmin_b)
    if area_a <= 0 or area_b <= 0:
        return _F32(0)
    height = max(min(ymax_a, ymax_b) - max(ymin_a, ymin_b), _F32(0))
    width = max(min(xmax_a, xmax_b) - max(xmin_a, xmin_b), _F32(0))
    inter = height * width
    return inter / (area_a + area_b - inter)


def nms_per_class(boxes, scores, size_per_class, score_threshold, iou_threshold):
    """TF's ``DoNMSPerClass``: the ``(box_index, score)`` kept for one class, in order."""
    queue = HeapQueue(lambda a, b: a[1] < b[1])
    for i, score in enumerate(scores):
        if score > score_threshold:
            queue.push((i, score))
    selected = []
    while len(selected) < size_per_class and queue:
        index, score = queue.pop()
        if all(_iou(boxes[index], boxes[j]) <= iou_threshold for j, _ in reversed(selected)):
            selected.append((index, score))
    return selected


def _select_per_batch(candidates, per_batch_size, pad_per_class, total_size, clip_boxes):
    """TF's ``SelectResultPerBatch``: rank all classes' survivors, keep the best."""
    sort(candidates, lambda a, b: b[0] < a[0])
    found = sum(1 for c in candidates if c[1] > -1)
    count = min(found, per_batch_size if pad_per_class else total_size)
    boxes = np.zeros([per_batch_size, 4], np.float32)
    scores = np.zeros([per_batch_size], np.float32)
    classes = np.zeros([per_batch_size], np.float32)
    for k, (score, _, class_idx, box) in enumerate(candidates[:count]):
        boxes[k] = np.clip(box, 0, 1) if clip_boxes else box
        scores[k], classes[k] = score, class_idx
    return boxes, scores, classes, count


def _check_scalar(value, what):
    value = np.asarray(value)
    if value.ndim != 0:
        raise _invalid(f"{what} must be 0-D, got shape {list(value.shape)}")
    return value


def _kernel(op, device):
    pad_per_class = op._attrs["pad_per_class"]
    clip_boxes = op._attrs["clip_boxes"]

    def combined_non_max_suppression(boxes, scores, max_size, max_total, iou, score_min):
        if boxes.shape[0] != scores.shape[0]:
            raise _invalid("boxes and scores must have same batch size")
        max_size = int(_check_scalar(max_size, "max_size_per_class"))
        total = int(_check_scalar(max_total, "max_total_size"))
        if total <= 0:
            raise _invalid("max_total_size must be > 0")
        iou = _F32(_check_scalar(iou, "iou_threshold"))
        score_min = _F32(_check_scalar(score_min, "score_threshold"))
        if not 0 <= iou <= 1:
            raise _invalid("iou_threshold must be in [0, 1]")
        batch, num_boxes, q, _ = boxes.shape
        num_classes = scores.shape[2]
        size_per_class = min(max_size, num_boxes)
        per_batch_size = total
        if pad_per_class:
            per_batch_size = min(total, min(_INT32_MAX, max_size * num_classes))
        results = []
        for b in range(batch):
            # One slot per (class, rank); unused slots stay (-inf, -1, ...) as in TF.
            slots = [(-np.inf, -1, -1, None)] * (size_per_class * num_classes)
            for c in range(num_classes):
                class_boxes = boxes[b, :, c if q > 1 else 0]
                kept = nms_per_class(class_boxes, scores[b, :, c], size_per_class, score_min, iou)
                for rank, (index, score) in enumerate(kept):
                    slots[rank + size_per_class * c] = (score, index, c, class_boxes[index])
            results.append(
                _select_per_batch(slots, per_batch_size, pad_per_class, total, clip_boxes)
            )
        nmsed_boxes, nmsed_scores, nmsed_classes, valid = zip(*results) if results else ([],) * 4
        shape = [batch, per_batch_size]
        return (
            np.array(nmsed_boxes, np.float32).reshape(shape + [4]),
            np.array(nmsed_scores, np.float32).reshape(shape),
            np.array(nmsed_classes, np.float32).reshape(shape),
            np.array(valid, np.int32).reshape([batch]),
        )

    return combined_non_max_suppression


def _infer(op):
    from teachflow.ops.static_value import constant_value

    boxes, scores, max_size, max_total = (t.shape for t in op.inputs[:4])
    boxes = boxes.with_rank(4)
    scores = scores.with_rank(3)
    for t in op.inputs[2:]:
        t.shape.with_rank(0)
    batch = (
        dimension_value(boxes[0])
        if dimension_value(boxes[0]) is not None
        else dimension_value(scores[0])
    )
    if (
        dimension_value(boxes[0]) is not None
        and dimension_value(scores[0]) is not None
        and dimension_value(boxes[0]) != dimension_value(scores[0])
    ):
        raise ValueError(f"Dimensions must be equal, but are {boxes[0]} and {scores[0]}")
    if (
        dimension_value(boxes[1]) is not None
        and dimension_value(scores[1]) is not None
        and dimension_value(boxes[1]) != dimension_value(scores[1])
    ):
        raise ValueError(f"Dimensions must be equal, but are {boxes[1]} and {scores[1]}")
    if (
        dimension_value(boxes[2]) is not None
        and dimension_value(scores[2]) is not None
        and dimension_value(boxes[2]) not in (1, dimension_value(scores[2]))
    ):
        raise ValueError(
            "third dimension of boxes must be either 1 or equal to the third dimension of scores"
        )
    if dimension_value(boxes[3]) is not None and dimension_value(boxes[3]) != 4:
        raise ValueError(f"Dimension must be 4 but is {boxes[3]}")
    total = constant_value(op.inputs[3])
    size = None
    if total is not None:
        size = int(total)
        if size <= 0:
            raise ValueError("max_total_size should be > 0 ")
        per_class = constant_value(op.inputs[2])
        if (
            op._attrs["pad_per_class"]
            and per_class is not None
            and dimension_value(scores[2]) is not None
        ):
            size = min(size, int(per_class) * dimension_value(scores[2]))
    return [
        (dtypes.float32, TensorShape([batch, size, 4])),
        (dtypes.float32, TensorShape([batch, size])),
        (dtypes.float32, TensorShape([batch, size])),
        (dtypes.int32, TensorShape([batch])),
    ]


registry.register(
    "CombinedNonMaxSuppression",
    _infer,
    kernels={"CPU": _kernel},
    not_differentiable=True,
)


def combined_non_max_suppression(
    boxes,
    scores,
    max_output_size_per_class,
    max_total_size,
    iou_threshold=0.5,
    score_threshold=float("-inf"),
    pad_per_class=False,
    clip_boxes=True,
    name=None,
):
    """Per-class NMS over a batch, merged across classes: a named tuple ``(nmsed_boxes
    [batch, n, 4], nmsed_scores [batch, n], nmsed_classes [batch, n] (float32),
    valid_detections [batch] (int32))``; only the first ``valid_detections[i]`` rows of
    image ``i`` are detections, the rest zeros.

    ``boxes`` is ``[batch, num_boxes, q, 4]`` and ``scores`` ``[batch, num_boxes,
    num_classes]`` (float32). ValueError when the shapes do not fit or ``max_total_size``
    is not positive; TypeError when ``max_total_size`` does not fit in an int32."""
    with name_scope(name, "combined_non_max_suppression"):
        iou_threshold = convert_to_tensor(iou_threshold, dtype=dtypes.float32, name="iou_threshold")
        score_threshold = convert_to_tensor(
            score_threshold, dtype=dtypes.float32, name="score_threshold"
        )
        # Without a dtype, as TF: a size beyond int32 becomes int64 and is refused below.
        max_total_size = convert_to_tensor(max_total_size)
        with name_scope(None, "CombinedNonMaxSuppression") as scope:
            boxes = convert_to_tensor(boxes, dtype=dtypes.float32, name="boxes")
            scores = convert_to_tensor(scores, dtype=dtypes.float32, name="scores")
            per_class = convert_to_tensor(
                max_output_size_per_class, dtype=dtypes.int32, name="max_output_size_per_class"
            )
            if max_total_size.dtype.base_dtype != dtypes.int32:
                raise TypeError(
                    "Input 'max_total_size' of 'CombinedNonMaxSuppression' Op has type "
                    f"{max_total_size.dtype.base_dtype.name} that does not match expected "
                    "type of int32."
                )
            attrs = {"pad_per_class": bool(pad_per_class), "clip_boxes": bool(clip_boxes)}
            inputs = [boxes, scores, per_class, max_total_size, iou_threshold, score_threshold]
            op = get_default_graph().create_op(
                "CombinedNonMaxSuppression", inputs, attrs, name=scope
            )
        return CombinedNonMaxSuppression(*op.outputs)
