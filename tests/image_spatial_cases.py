"""tf.image quality and rotation functions and the space/depth/batch/patch ops, written
once against the TF1 API: built by teachflow in tests/ops/test_image_quality_ops.py,
test_image_rotation_ops.py, test_space_depth_ops.py and test_image_patches_ops.py, and by
TensorFlow in tests/fixtures/tensorflow/record_image_spatial.py. Each case returns named
tensors."""

import numpy as np

RNG = np.random.default_rng(71)
BATCH = RNG.uniform(0, 1, (2, 6, 8, 3)).astype(np.float32)
NOISY = np.clip(BATCH + RNG.normal(0, 0.1, BATCH.shape), 0, 1).astype(np.float32)
BIG = RNG.uniform(0, 1, (2, 16, 13, 2)).astype(np.float32)
BIG_NOISY = np.clip(BIG + RNG.normal(0, 0.2, BIG.shape), 0, 1).astype(np.float32)
UINT8 = RNG.integers(0, 256, (5, 7, 3)).astype(np.uint8)
WEIGHTS = RNG.uniform(-1, 1, 4096).astype(np.float32)


def _weighted_sum(tf, y):
    """A scalar whose gradient is a fixed, non-uniform weighting of ``y``."""
    n = int(np.prod(y.shape.as_list()))
    return tf.reduce_sum(y * tf.reshape(tf.constant(WEIGHTS[:n]), y.shape))


def rotations(tf):
    return {
        "rot1": tf.image.rot90(BATCH[0]),
        "rot2": tf.image.rot90(BATCH, 2),
        "rot3": tf.image.rot90(UINT8, 3),
        "rot_tensor_k": tf.image.rot90(BATCH, tf.constant(3)),
        "transpose": tf.image.transpose_image(BATCH),
        "transpose_single": tf.image.transpose_image(UINT8),
    }


def quality(tf):
    x = tf.constant(BATCH)
    tv = tf.image.total_variation(x)
    dy, dx = tf.image.image_gradients(x)
    sobel = tf.image.sobel_edges(x)
    return {
        "tv": tv,
        "tv_single": tf.image.total_variation(tf.constant(BATCH[1])),
        "tv_grad": tf.gradients(tv, x)[0],
        "dy": dy,
        "dx": dx,
        "sobel": sobel,
        "sobel_grad": tf.gradients(_weighted_sum(tf, sobel), x)[0],
        "psnr": tf.image.psnr(BATCH, NOISY, 1.0),
        "psnr_uint8": tf.image.psnr(UINT8, UINT8[::-1].copy(), 255),
        "ssim": tf.image.ssim(BIG, BIG_NOISY, 1.0),
        "ssim_small_window": tf.image.ssim(BATCH, NOISY, 1.0, filter_size=5, filter_sigma=1.0),
    }


def space_depth(tf):
    x = tf.constant(BATCH)
    s2d = tf.space_to_depth(x, 2)
    d2s = tf.depth_to_space(np.concatenate([BATCH, BATCH[..., :1]], -1), 2)
    s2b = tf.space_to_batch_nd(x, [2, 3], [[1, 1], [0, 1]])
    b2s = tf.batch_to_space_nd(s2b, [2, 3], [[0, 1], [1, 0]])
    return {
        "s2d": s2d,
        "s2d_grad": tf.gradients(_weighted_sum(tf, s2d), x)[0],
        "d2s": d2s,
        "s2b": s2b,
        "s2b_grad": tf.gradients(_weighted_sum(tf, s2b), x)[0],
        "b2s": b2s,
        "b2s_grad": tf.gradients(_weighted_sum(tf, b2s), x)[0],
        "s2b_tf1": tf.space_to_batch(BATCH, [[0, 0], [1, 1]], 2),
        "b2s_tf1": tf.batch_to_space(BATCH[:, :4, :4].reshape(8, 2, 2, 3), [[0, 1], [1, 0]], 2),
        "s2b_1d": tf.space_to_batch_nd(UINT8, [2], [[1, 0]]),
    }


def patches(tf):
    x = tf.constant(BATCH)
    same = tf.extract_image_patches(x, [1, 3, 2, 1], [1, 2, 3, 1], [1, 1, 2, 1], "SAME")
    valid = tf.extract_image_patches(x, [1, 2, 3, 1], [1, 1, 2, 1], [1, 2, 1, 1], "VALID")
    return {
        "same": same,
        "valid": valid,
        "uint8": tf.extract_image_patches(
            UINT8[None], [1, 2, 2, 1], [1, 2, 2, 1], [1, 1, 1, 1], "VALID"
        ),
        "same_grad": tf.gradients(_weighted_sum(tf, same), x)[0],
        "valid_grad": tf.gradients(_weighted_sum(tf, valid), x)[0],
    }


CASES = {f.__name__: f for f in (rotations, quality, space_depth, patches)}


def run(tf, name):
    """Values, op types and static shapes of case ``name`` in a fresh graph."""
    graph = tf.Graph()
    with graph.as_default():
        tensors = CASES[name](tf)
        with tf.Session(graph=graph) as sess:
            values = sess.run(tensors)
        info = {k: [t.op.type, t.shape.as_list()] for k, t in tensors.items()}
    return values, info
