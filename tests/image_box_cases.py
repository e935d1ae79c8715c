"""tf.image box ops written once against the TF1 API: crop_and_resize (with its
gradients), non_max_suppression and its variants, draw_bounding_boxes and
sample_distorted_bounding_box. Built by teachflow in tests/ops/test_image_box_ops.py and by
TensorFlow in tests/fixtures/tensorflow/record_image_boxes.py. Each case returns named
tensors."""

import numpy as np

RNG = np.random.default_rng(41)
IMAGES = RNG.uniform(0, 1, (2, 6, 7, 3)).astype(np.float32)
UINT8_IMAGES = (IMAGES * 255).astype(np.uint8)
# Plain, flipped, reaching outside the image, and degenerate boxes.
BOXES = np.array(
    [
        [0, 0, 1, 1],
        [0.1, 0.2, 0.7, 0.9],
        [0.8, 0.9, 0.2, 0.1],
        [-0.2, -0.1, 1.3, 1.2],
        [0.5, 0.5, 0.5, 0.5],
    ],
    np.float32,
)
BOX_IND = np.array([0, 1, 1, 0, 1], np.int32)
# Crop gradients flowing back, one per crop size.
CROP_SIZES = {"3x4": [3, 4], "1x1": [1, 1], "1x5": [1, 5], "4x1": [4, 1]}
WEIGHTS = {
    k: RNG.uniform(-1, 1, (5, h, w, 3)).astype(np.float32) for k, (h, w) in CROP_SIZES.items()
}

# Detection boxes: clusters of overlapping boxes, ties in score, an empty box.
NMS_BOXES = np.array(
    [
        [0, 0, 1, 1],
        [0, 0.1, 1, 1.1],
        [0, -0.1, 1, 0.9],
        [0, 10, 1, 11],
        [0, 10.1, 1, 11.1],
        [0, 100, 1, 101],
        [1, 1, 0, 0],  # corners given in the other order
        [0.5, 0.5, 0.5, 0.5],  # no area: overlaps nothing
    ],
    np.float32,
)
NMS_SCORES = np.array([0.9, 0.75, 0.6, 0.95, 0.5, 0.3, 0.6, 0.8], np.float32)


def crop_and_resize(tf):
    x, boxes = tf.constant(IMAGES), tf.constant(BOXES)
    out = {}
    for method in ("bilinear", "nearest"):
        for key, size in CROP_SIZES.items():
            y = tf.image.crop_and_resize(
                x, boxes, BOX_IND, size, method=method, extrapolation_value=-1.0
            )
            name = f"{method}_{key}"
            out[name] = y
            out[f"{name}/d_image"], out[f"{name}/d_boxes"] = tf.gradients(
                y, [x, boxes], grad_ys=WEIGHTS[key]
            )
    out["uint8"] = tf.image.crop_and_resize(UINT8_IMAGES, boxes, BOX_IND, [3, 4])
    (out["uint8/d_boxes"],) = tf.gradients(out["uint8"], [boxes], grad_ys=WEIGHTS["3x4"])
    return out


def non_max_suppression(tf):
    scores, sigma_scores = tf.image.non_max_suppression_with_scores(
        NMS_BOXES, NMS_SCORES, 6, iou_threshold=0.6, soft_nms_sigma=0.5
    )
    hard, hard_scores = tf.image.non_max_suppression_with_scores(NMS_BOXES, NMS_SCORES, 8)
    overlaps = np.abs(np.subtract.outer(NMS_SCORES, NMS_SCORES)).astype(np.float32)
    return {
        "default": tf.image.non_max_suppression(NMS_BOXES, NMS_SCORES, 8),
        "max_2": tf.image.non_max_suppression(NMS_BOXES, NMS_SCORES, 2),
        "iou_0": tf.image.non_max_suppression(NMS_BOXES, NMS_SCORES, 8, iou_threshold=0.0),
        "iou_1": tf.image.non_max_suppression(NMS_BOXES, NMS_SCORES, 8, iou_threshold=1.0),
        "score_threshold": tf.image.non_max_suppression(
            NMS_BOXES, NMS_SCORES, 8, score_threshold=0.6
        ),
        "half": tf.image.non_max_suppression(
            NMS_BOXES.astype(np.float16), NMS_SCORES.astype(np.float16), 8
        ),
        "soft": scores,
        "soft/scores": sigma_scores,
        "hard": hard,
        "hard/scores": hard_scores,
        "overlaps": tf.image.non_max_suppression_overlaps(overlaps, NMS_SCORES, 8, 0.2),
    }


def draw_bounding_boxes(tf):
    boxes = np.array(
        [
            [[0, 0, 1, 1], [0.2, 0.3, 0.6, 0.5], [-0.5, 0.5, 0.5, 1.5]],
            [[0.6, 0.6, 0.2, 0.2], [2, 2, 3, 3], [0.1, -1, 0.9, 2]],
        ],
        np.float32,
    )
    many = np.tile(np.array([[[0.1, 0.1, 0.4, 0.4]]], np.float32), (2, 12, 1))
    return {
        "rgb": tf.image.draw_bounding_boxes(IMAGES, boxes),
        "grey": tf.image.draw_bounding_boxes(IMAGES[..., :1], boxes),
        "rgba": tf.image.draw_bounding_boxes(np.concatenate([IMAGES, IMAGES[..., :1]], -1), boxes),
        "colors": tf.image.draw_bounding_boxes(
            IMAGES, boxes, colors=[[0.25, 0.5, 0.75, 1.0], [1, 0, 0, 0]]
        ),
        "cycled": tf.image.draw_bounding_boxes(IMAGES, many),
        "half": tf.image.draw_bounding_boxes(IMAGES.astype(np.float16), boxes),
    }


def sample_distorted_bounding_box(tf):
    tf.set_random_seed(3)  # not consulted: the v1 function passes its seeds as given
    out = {}
    cases = {
        "default": dict(image_size=[40, 50, 3], bounding_boxes=[[[0.1, 0.2, 0.6, 0.7]]], seed=1),
        "seed2": dict(image_size=[40, 50, 3], bounding_boxes=[[[0.1, 0.2, 0.6, 0.7]]], seed2=9),
        "covered": dict(
            image_size=[123, 77, 3],
            bounding_boxes=[[[0.0, 0.0, 0.3, 0.2], [0.5, 0.4, 0.9, 1.0]]],
            seed=5,
            seed2=6,
            min_object_covered=0.8,
            aspect_ratio_range=[0.5, 2.0],
            area_range=[0.1, 0.9],
        ),
        "whole_image": dict(
            image_size=np.array([30, 20, 1], np.int64),
            bounding_boxes=np.zeros((1, 0, 4), np.float32),
            seed=11,
            use_image_if_no_bounding_boxes=True,
            area_range=[0.3, 0.5],
        ),
        "fails": dict(
            image_size=[10, 10, 3],
            bounding_boxes=[[[0.0, 0.0, 0.1, 0.1]]],
            seed=2,
            min_object_covered=1.0,
            area_range=[0.9, 1.0],
            aspect_ratio_range=[3.0, 4.0],
            max_attempts=7,
        ),
        "uint8": dict(
            image_size=np.array([200, 250, 3], np.uint8),
            bounding_boxes=[[[0.2, 0.2, 0.4, 0.9]]],
            seed=4,
            min_object_covered=0.3,
        ),
    }
    for key, kwargs in cases.items():
        begin, size, box = tf.image.sample_distorted_bounding_box(**kwargs)
        out[f"{key}/begin"], out[f"{key}/size"], out[f"{key}/box"] = begin, size, box
    return out


CASES = {
    f.__name__: f
    for f in (
        crop_and_resize,
        non_max_suppression,
        draw_bounding_boxes,
        sample_distorted_bounding_box,
    )
}


def run(tf, name, runs=1):
    """Values, op types and static shapes of case ``name`` in a fresh graph; with ``runs``
    > 1, the values of each run of one session (a random op continues its stream)."""
    graph = tf.Graph()
    with graph.as_default():
        tensors = CASES[name](tf)
        with tf.Session(graph=graph) as sess:
            values = {}
            for i in range(runs):
                for key, value in sess.run(tensors).items():
                    values[key if i == 0 else f"{key}/run{i}"] = value
        info = {k: [t.op.type, t.shape.as_list()] for k, t in tensors.items()}
        info.update({k: [t.op.type, t.op.name] + info[k] for k, t in tensors.items()})
    return values, info
