"""``tf.nn``: neural-network ops (re-exports).

>>> import teachflow as tf
>>> tf.nn.relu([-1.0, 1.0]).op.type
'Relu'
"""

from teachflow import nn_rnn_cell as rnn_cell  # noqa: F401
from teachflow.ops.activation_ops import (  # noqa: F401
    elu,
    leaky_relu,
    log_softmax,
    relu,
    relu6,
    selu,
    softmax,
    softplus,
    softsign,
)
from teachflow.ops.all_candidate_sampler import all_candidate_sampler  # noqa: F401
from teachflow.ops.argmax_pooling_ops import max_pool_with_argmax  # noqa: F401
from teachflow.ops.candidate_sampling_ops import (  # noqa: F401
    compute_accidental_hits,
    log_uniform_candidate_sampler,
    uniform_candidate_sampler,
)
from teachflow.ops.conv3d_ops import conv3d  # noqa: F401
from teachflow.ops.conv_ops import (  # noqa: F401
    conv2d,
    conv2d_backprop_filter,
    conv2d_backprop_input,
    conv2d_transpose,
)
from teachflow.ops.conv_transpose_ops import (  # noqa: F401
    conv1d_transpose,
    conv3d_backprop_filter_v2,
    conv3d_transpose,
    conv_transpose,
)
from teachflow.ops.conv_transpose_ops import (  # noqa: F401
    conv3d_backprop_filter_v2 as conv3d_backprop_filter,
)
from teachflow.ops.convolution_ops import atrous_conv2d, conv1d, convolution, pool  # noqa: F401
from teachflow.ops.ctc_beam_search_ops import (  # noqa: F401
    ctc_beam_search_decoder,
    ctc_beam_search_decoder_v2,
)
from teachflow.ops.ctc_loss_ops import ctc_loss  # noqa: F401
from teachflow.ops.ctc_ops import (  # noqa: F401
    collapse_repeated,
    ctc_greedy_decoder,
    ctc_unique_labels,
)
from teachflow.ops.depthwise_conv_ops import (  # noqa: F401
    depthwise_conv2d,
    depthwise_conv2d_native,
    depthwise_conv2d_native_backprop_filter,
    depthwise_conv2d_native_backprop_input,
    separable_conv2d,
)
from teachflow.ops.depthwise_conv_ops import (  # noqa: F401
    depthwise_conv2d_native_backprop_filter as depthwise_conv2d_backprop_filter,
)
from teachflow.ops.depthwise_conv_ops import (  # noqa: F401
    depthwise_conv2d_native_backprop_input as depthwise_conv2d_backprop_input,
)
from teachflow.ops.embedding_sparse_ops import embedding_lookup_sparse  # noqa: F401
from teachflow.ops.fractional_pooling_ops import (  # noqa: F401
    fractional_avg_pool,
    fractional_max_pool,
)
from teachflow.ops.losses import (  # noqa: F401
    l2_loss,
    sigmoid_cross_entropy_with_logits,
    softmax_cross_entropy_with_logits,
    softmax_cross_entropy_with_logits_v2,
    sparse_softmax_cross_entropy_with_logits,
    weighted_cross_entropy_with_logits,
)
from teachflow.ops.math_ops import sigmoid, tanh  # noqa: F401
from teachflow.ops.morphology_ops import dilation2d, erosion2d  # noqa: F401
from teachflow.ops.nn_composites import crelu, log_poisson_loss, swish  # noqa: F401
from teachflow.ops.nn_composites import swish as silu  # noqa: F401
from teachflow.ops.nn_ops import (  # noqa: F401
    bias_add,
    dropout,
    embedding_lookup,
    l2_normalize,
    moments,
    relu_layer,
    xw_plus_b,
    zero_fraction,
)
from teachflow.ops.normalization_ops import (  # noqa: F401
    batch_norm_with_global_normalization,
    batch_normalization,
    fused_batch_norm,
    local_response_normalization,
    lrn,
    normalize_moments,
    sufficient_statistics,
    weighted_moments,
)
from teachflow.ops.pooling3d_ops import avg_pool3d, max_pool3d  # noqa: F401
from teachflow.ops.pooling_by_rank import avg_pool_v2, max_pool_v2  # noqa: F401
from teachflow.ops.pooling_ops import (  # noqa: F401
    avg_pool,
    avg_pool1d,
    avg_pool2d,
    max_pool,
    max_pool1d,
    max_pool2d,
)
from teachflow.ops.replica_losses import (  # noqa: F401
    compute_average_loss,
    scale_regularization_loss,
)
from teachflow.ops.rnn import dynamic_rnn, static_rnn  # noqa: F401
from teachflow.ops.rnn_bidirectional import (  # noqa: F401
    bidirectional_dynamic_rnn,
    static_bidirectional_rnn,
)
from teachflow.ops.rnn_raw import raw_rnn  # noqa: F401
from teachflow.ops.safe_embedding_ops import safe_embedding_lookup_sparse  # noqa: F401
from teachflow.ops.sampled_losses import nce_loss, sampled_softmax_loss  # noqa: F401
from teachflow.ops.space_depth_ops import (  # noqa: F401
    depth_to_space,
    space_to_batch,
    space_to_depth,
)
from teachflow.ops.space_to_batch_convolution import (  # noqa: F401
    atrous_conv2d_transpose,
    with_space_to_batch,
)
from teachflow.ops.top_k_ops import in_top_k, top_k  # noqa: F401
from teachflow.ops.unigram_samplers import (  # noqa: F401
    fixed_unigram_candidate_sampler,
    learned_unigram_candidate_sampler,
)
