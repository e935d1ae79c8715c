"""``tf.sparse``: sparse tensors under their ``tf.sparse.*`` names (re-exports).

>>> import teachflow as tf
>>> sp = tf.sparse.SparseTensor([[1]], [4], [3])
>>> with tf.Session() as sess:
...     print(sess.run(tf.sparse.to_dense(sp)))
[0 4 0]
"""

from teachflow.framework.sparse_tensor import SparseTensor, SparseTensorValue  # noqa: F401
from teachflow.ops.sparse_ops import sparse_tensor_to_dense as to_dense  # noqa: F401
from teachflow.ops.sparse_segment_ops import sparse_segment_mean as segment_mean  # noqa: F401
from teachflow.ops.sparse_segment_ops import sparse_segment_sqrt_n as segment_sqrt_n  # noqa: F401
from teachflow.ops.sparse_segment_ops import sparse_segment_sum as segment_sum  # noqa: F401
