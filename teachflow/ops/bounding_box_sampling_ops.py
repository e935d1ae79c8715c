"""``tf.image.sample_distorted_bounding_box``: a random crop that still shows enough of an
object — the "Inception-style" augmentation (``SampleDistortedBoundingBoxV2``).

Each attempt draws an aspect ratio uniformly from ``aspect_ratio_range``, then a height
between the ones giving the smallest and the largest allowed area (``area_range`` of the
image), the width from the height, and a top-left corner uniformly where the crop fits. The
first crop that covers at least ``min_object_covered`` of one of the ``bounding_boxes`` is
returned; after ``max_attempts`` failures, the whole image.

    >>> import teachflow as tf
    >>> begin, size, box = tf.image.sample_distorted_bounding_box(
    ...     [40, 50, 3], [[[0.1, 0.1, 0.9, 0.9]]], seed=7)
    >>> with tf.Session() as sess:
    ...     print(sess.run([begin, size]))
    [array([0, 2, 0], dtype=int32), array([37, 44, -1], dtype=int32)]

The draws are TensorFlow's bit for bit: a run reserves ``4 * max_attempts`` words of the
op's Philox stream, and reads them one at a time (``SimplePhilox``: ``RandFloat`` for the
ratio, ``Uniform`` for the height and the corner) in the kernel's order
(sample_distorted_bounding_box_op.cc), with its float32 arithmetic and ``lrintf``
roundings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import get_default_graph
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.ops.candidate_sampling_ops import exact_uniform_int
from teachflow.ops.elementwise import check_allowed
from teachflow.ops.op_results import result
from teachflow.ops.philox import SingleSample
from teachflow.ops.random_distributions import uint32_to_float
from teachflow.ops.random_ops import make_generator

__all__ = ["sample_distorted_bounding_box"]

_SIZE_TYPES = (
    dtypes.uint8,
    dtypes.int8,
    dtypes.int16,
    dtypes.uint16,
    dtypes.int32,
    dtypes.int64,
)
_F32 = np.float32


def _invalid(message):
    return errors.InvalidArgumentError(None, None, message)


@dataclass(frozen=True, slots=True)
class Rect:
    """Pixel rectangle ``[min_x, max_x) x [min_y, max_y)``, as the kernel's ``Rectangle``."""

    min_x: int
    min_y: int
    max_x: int
    max_y: int

    def area(self) -> np.float32:
        return _F32((self.max_x - self.min_x) * (self.max_y - self.min_y))

    def intersect(self, other: Rect) -> Rect:
        lo_x, lo_y = max(self.min_x, other.min_x), max(self.min_y, other.min_y)
        hi_x, hi_y = min(self.max_x, other.max_x), min(self.max_y, other.max_y)
        if lo_x > hi_x or lo_y > hi_y:
            return Rect(0, 0, 0, 0)
        return Rect(lo_x, lo_y, hi_x, hi_y)


def _lrintf(x) -> int:
    return int(np.rint(_F32(x)))  # round half to even, C's default rounding mode


def _covers(crop: Rect, min_covered, objects: list[Rect]) -> bool:
    if crop.area() < 1:
        return False
    for box in objects:
        area = box.area()
        if area < 1:
            continue
        if _F32(crop.intersect(box).area() / area) >= min_covered:
            return True
    return False


def _random_crop(width, height, min_rel, max_rel, aspect, words: SingleSample):
    """The kernel's ``GenerateRandomCrop``: a crop of the allowed area and ``aspect``
    (width over height), or None when rounding leaves none."""
    if max_rel <= 0 or aspect <= 0 or width <= 0 or height <= 0 or min_rel > max_rel:
        return None
    min_area = _F32(_F32(min_rel * _F32(width)) * _F32(height))
    max_area = _F32(_F32(max_rel * _F32(width)) * _F32(height))
    crop_h = _lrintf(np.sqrt(_F32(min_area / aspect)))
    max_h = _lrintf(np.sqrt(_F32(max_area / aspect)))
    if _lrintf(_F32(max_h) * aspect) > width:
        # The largest height whose rounded width still fits (the kernel's double sum).
        max_h = int((width + 0.5 - float(_F32(1e-7))) / float(aspect))
        if _lrintf(_F32(max_h) * aspect) > width:
            max_h -= 1
    max_h = min(max_h, height)
    crop_h = min(crop_h, max_h)
    if crop_h < max_h:
        crop_h += exact_uniform_int(max_h - crop_h + 1, words)
    crop_w = _lrintf(_F32(crop_h) * aspect)
    area = _F32(crop_w * crop_h)
    if area < min_area:  # rounding made it too small: one row more
        crop_h += 1
        crop_w = _lrintf(_F32(crop_h) * aspect)
        area = _F32(crop_w * crop_h)
    if area > max_area:  # or too large: one row less
        crop_h -= 1
        crop_w = _lrintf(_F32(crop_h) * aspect)
        area = _F32(crop_w * crop_h)
    if (
        area < min_area
        or area > max_area
        or crop_w > width
        or crop_h > height
        or crop_w <= 0
        or crop_h <= 0
    ):
        return None
    y = exact_uniform_int(height - crop_h, words) if crop_h < height else 0
    x = exact_uniform_int(width - crop_w, words) if crop_w < width else 0
    return Rect(x, y, x + crop_w, y + crop_h)


@dataclass(frozen=True, slots=True)
class Constraints:
    """The op's attributes: what a crop may be."""

    aspect_ratio_range: tuple
    area_range: tuple
    max_attempts: int
    use_image_if_no_bounding_boxes: bool


def sample_crop(height, width, boxes, min_covered, limits: Constraints, words) -> Rect:
    """The crop the kernel picks from ``words`` (a `SingleSample`)."""
    objects = [
        Rect(
            int(_F32(x1) * _F32(width)),
            int(_F32(y1) * _F32(height)),
            int(_F32(x2) * _F32(width)),
            int(_F32(y2) * _F32(height)),
        )
        for y1, x1, y2, x2 in boxes
    ]
    image = Rect(0, 0, width, height)
    if not objects:
        if not limits.use_image_if_no_bounding_boxes:
            raise _invalid(
                "No bounding boxes provided as input. One must enable "
                "use_image_if_no_bounding_boxes if you wish to not provide any bounding boxes."
            )
        objects = [image]
    min_area, max_area = (_F32(v) for v in limits.area_range)
    min_ratio, max_ratio = (_F32(v) for v in limits.aspect_ratio_range)
    for _ in range(limits.max_attempts):
        u = uint32_to_float(np.array([words()], np.uint32))[0]
        aspect = _F32(u * (max_ratio - min_ratio) + min_ratio)
        crop = _random_crop(width, height, min_area, max_area, aspect, words)
        if crop is not None and _covers(crop, min_covered, objects):
            return crop
    return image


def _check_attrs(attrs):
    ratio, area = attrs["aspect_ratio_range"], attrs["area_range"]
    if len(ratio) != 2:
        raise _invalid("Aspect ratio range field must specify 2 dimensions")
    if not (ratio[0] > 0 and ratio[1] > 0):
        raise _invalid(f"Aspect ratio range must be non-negative: [{ratio[0]}, {ratio[1]}]")
    if len(area) != 2:
        raise _invalid("Area range field must specify 2 dimensions")
    if not (area[0] > 0 and area[1] > 0):
        raise _invalid(f"Area range must be non-negative: [{area[0]}, {area[1]}]")
    if not (area[0] <= 1 and area[1] <= 1):
        raise _invalid(f"Area range must be less then or equal to 1.0: [{area[0]}, {area[1]}]")
    if attrs["max_attempts"] <= 0:
        raise _invalid(f"Max attempts must be non-negative: {attrs['max_attempts']}")


def _kernel(op, device):
    attrs = op._attrs
    _check_attrs(attrs)
    limits = Constraints(
        tuple(attrs["aspect_ratio_range"]),
        tuple(attrs["area_range"]),
        int(attrs["max_attempts"]),
        bool(attrs["use_image_if_no_bounding_boxes"]),
    )
    guarded = make_generator(op)
    out_type = attrs["T"].as_numpy_dtype

    def sample_distorted_bounding_box_v2(image_size, bounding_boxes, min_object_covered):
        image_size = np.asarray(image_size)
        boxes = np.asarray(bounding_boxes, _F32)
        if image_size.ndim != 1:
            raise _invalid(f"image_size must be 1-dimensional{list(image_size.shape)}")
        if image_size.shape[0] != 3:
            raise _invalid(f"image_size must contain 3 elements{list(image_size.shape)}")
        if boxes.ndim != 3:
            raise _invalid(
                f"input boxes must be 3-dimensional [batch, num_boxes, coords]: {list(boxes.shape)}"
            )
        if boxes.shape[2] != 4:
            raise _invalid(f"bounding boxes must have shape [4] or [*, 4], got {list(boxes.shape)}")
        covered = np.asarray(min_object_covered, _F32)
        if covered.ndim != 0:
            raise _invalid(f"min_object_covered must be 0-D, got shape {list(covered.shape)}")
        if not covered >= 0:
            raise _invalid(f"Min object covered must be non-negative: {covered}")
        boxes = boxes.reshape(-1, 4)
        bad = boxes[(boxes < 0) | (boxes > 1)]
        if bad.size:
            raise _invalid(f"All bounding box coordinates must be in [0.0, 1.0]: {bad[0]}")
        height, width = int(image_size[0]), int(image_size[1])
        # The reservation comes first, so a run that fails a check above still draws
        # nothing, as in TF (which reserves, then fails before reading).
        words = SingleSample(guarded.reserve_samples32(4 * limits.max_attempts))
        crop = sample_crop(height, width, boxes, covered, limits, words)
        begin = np.array([crop.min_y, crop.min_x, 0]).astype(out_type)
        # -1 keeps every channel in tf.slice; an unsigned T wraps it (uint8: 255), as in C++.
        size = np.array([crop.max_y - crop.min_y, crop.max_x - crop.min_x, -1]).astype(out_type)
        bbox = np.array(
            [
                _F32(crop.min_y) / _F32(height),
                _F32(crop.min_x) / _F32(width),
                _F32(crop.max_y) / _F32(height),
                _F32(crop.max_x) / _F32(width),
            ],
            _F32,
        ).reshape(1, 1, 4)
        return begin, size, bbox

    return sample_distorted_bounding_box_v2


def _infer(op):
    image_size, boxes, covered = op.inputs
    image_size.shape.with_rank(1)
    boxes.shape.with_rank(3)
    covered.shape.with_rank(0)
    dtype = op._attrs["T"]
    return [
        (dtype, TensorShape([3])),
        (dtype, TensorShape([3])),
        (dtypes.float32, TensorShape([1, 1, 4])),
    ]


registry.register(
    "SampleDistortedBoundingBoxV2", _infer, _kernel, stateful=True, not_differentiable=True
)


def sample_distorted_bounding_box(
    image_size,
    bounding_boxes,
    seed=None,
    seed2=None,
    min_object_covered=0.1,
    aspect_ratio_range=None,
    area_range=None,
    max_attempts=None,
    use_image_if_no_bounding_boxes=None,
    name=None,
):
    """``(begin, size, bboxes)``: a random crop of an image of ``image_size`` (``[height,
    width, channels]``, an integer vector) as ``tf.slice`` arguments, and as a normalised
    ``[1, 1, 4]`` box for `draw_bounding_boxes`. ``bounding_boxes`` (``[batch, n, 4]``)
    are the objects the crop must cover by ``min_object_covered``. The seeds are the op's
    attributes as given (TF's v1 function does not consult the graph seed); both 0 (the
    default) draw fresh entropy."""
    with name_scope(name, "sample_distorted_bounding_box"):
        graph = get_default_graph()
        with name_scope(None, name or "SampleDistortedBoundingBoxV2") as scope:
            image_size = convert_to_tensor(image_size, name="image_size")
            check_allowed(image_size, _SIZE_TYPES, "image_size")
            boxes = convert_to_tensor(bounding_boxes, dtype=dtypes.float32, name="bounding_boxes")
            covered = convert_to_tensor(
                min_object_covered, dtype=dtypes.float32, name="min_object_covered"
            )
            attrs = {
                "T": image_size.dtype.base_dtype,
                "seed": int(seed or 0),
                "seed2": int(seed2 or 0),
                "aspect_ratio_range": [float(v) for v in (aspect_ratio_range or (0.75, 1.33))],
                "area_range": [float(v) for v in (area_range or (0.05, 1.0))],
                "max_attempts": int(max_attempts or 100),
                "use_image_if_no_bounding_boxes": bool(use_image_if_no_bounding_boxes),
            }
            op = graph.create_op(
                "SampleDistortedBoundingBoxV2", [image_size, boxes, covered], attrs, name=scope
            )
        return result(op)
