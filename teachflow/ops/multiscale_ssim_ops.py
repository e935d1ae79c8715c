"""``tf.image.ssim_multiscale``: MS-SSIM (Wang, Simoncelli and Bovik, 2004). SSIM looks at
one scale; MS-SSIM halves the images again and again (a 2x2 average pool, after a
symmetric pad when a side is odd) and combines, as a weighted geometric mean, the
contrast-structure term of every scale with the full SSIM of the coarsest one:

    ms_ssim = prod_k relu(cs_k) ** w_k  (k < K-1)  *  relu(ssim_{K-1}) ** w_{K-1}

averaged over the channels. ``power_factors`` are the weights ``w`` (their count is the
number of scales; Wang et al.'s five by default, which need images of at least
``(filter_size - 1) * 16 + 1`` pixels a side).

    >>> import numpy as np
    >>> import teachflow as tf
    >>> x = np.random.RandomState(0).rand(1, 24, 24, 1).astype(np.float32)
    >>> score = tf.image.ssim_multiscale(x, x, 1.0, power_factors=(0.5, 0.5), filter_size=5)
    >>> with tf.Session() as sess:
    ...     print(sess.run(score).round(5))
    [1.]

The graph is TensorFlow's: one ``Scale<k>`` name scope per scale, the padding decided by a
v1 ``cond`` when the graph runs, and SSIM's Gaussian-window depthwise convolutions
(`teachflow.ops.image_quality_ops`), so the gradient flows through all of it.
"""

from __future__ import annotations

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import control_dependencies, name_scope

__all__ = ["ssim_multiscale"]

# Wang et al.'s weights for five scales.
MSSSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)
_DIVISOR = [1, 2, 2, 1]


def _halve(imgs, heads, tails, divisor):
    """One scale down: flatten the batch dimensions, pad odd sides symmetrically (a cond
    on the run-time shape), 2x2 average pool, restore the batch dimensions."""
    from teachflow.ops import array_ops, math_ops
    from teachflow.ops.control_flow_cond import cond
    from teachflow.ops.pooling_ops import avg_pool

    flat = [array_ops.reshape(x, array_ops.concat([[-1], t], 0)) for x, t in zip(imgs, tails)]
    remainder = tails[0] % divisor
    need_padding = math_ops.reduce_any(math_ops.not_equal(remainder, 0))

    def do_pad():
        padding = array_ops.expand_dims(remainder, -1)
        padding = array_ops.pad(padding, [[1, 0], [1, 0]])
        return [array_ops.pad(x, padding, mode="SYMMETRIC") for x in flat]

    padded = cond(need_padding, do_pad, lambda: flat)
    down = [avg_pool(x, ksize=_DIVISOR, strides=_DIVISOR, padding="VALID") for x in padded]
    tails = [s[1:] for s in array_ops.shape_n(down)]
    imgs = [
        array_ops.reshape(x, array_ops.concat([h, t], 0)) for x, h, t in zip(down, heads, tails)
    ]
    return imgs, tails


def ssim_multiscale(
    img1,
    img2,
    max_val,
    power_factors=MSSSIM_WEIGHTS,
    filter_size=11,
    filter_sigma=1.5,
    k1=0.01,
    k2=0.03,
):
    """MS-SSIM of each pair of images (``[..., height, width, channels]``, the batch
    dimensions broadcast), in [0, 1], float32. ``max_val`` is the images' value range
    (1.0, 255). The coarsest scale must still be ``filter_size`` pixels high and wide
    (an InvalidArgumentError from an Assert when the graph runs)."""
    from teachflow.ops import array_ops, math_ops
    from teachflow.ops.activation_ops import relu
    from teachflow.ops.constant_op import constant
    from teachflow.ops.image_ops import convert_image_dtype
    from teachflow.ops.image_quality_ops import compatible_image_shapes, ssim_per_channel

    with name_scope(None, "MS-SSIM", [img1, img2]):
        img1 = convert_to_tensor(img1, name="img1")
        img2 = convert_to_tensor(img2, name="img2")
        shape1, shape2, checks = compatible_image_shapes(img1, img2)
        with control_dependencies(checks):
            img1 = array_ops.identity(img1)
        max_val = math_ops.cast(max_val, img1.dtype)
        max_val = convert_image_dtype(max_val, dtypes.float32)
        img1 = convert_image_dtype(img1, dtypes.float32)
        img2 = convert_image_dtype(img2, dtypes.float32)
        imgs = [img1, img2]
        heads = [s[:-3] for s in (shape1, shape2)]
        tails = [s[-3:] for s in (shape1, shape2)]
        divisor = constant(_DIVISOR[1:], dtype=dtypes.int32)
        mcs = []
        for k in range(len(power_factors)):
            with name_scope(None, f"Scale{k}", imgs):
                if k > 0:
                    imgs, tails = _halve(imgs, heads, tails, divisor)
                ssim, cs = ssim_per_channel(*imgs, max_val, filter_size, filter_sigma, k1, k2)
                mcs.append(relu(cs))
        # The coarsest scale contributes its full SSIM, the others their cs term.
        mcs.pop()
        mcs_and_ssim = array_ops.stack(mcs + [relu(ssim)], axis=-1)
        ms_ssim = math_ops.reduce_prod(math_ops.pow(mcs_and_ssim, power_factors), [-1])
        return math_ops.reduce_mean(ms_ssim, [-1])
