"""``tf.sets``: set algebra along the last axis, under TF 1's names and the short ones
(``tf.sets.intersection`` is ``tf.sets.set_intersection``) (re-exports).

>>> import teachflow as tf
>>> u = tf.sets.union([[1, 3]], [[2, 3]])
>>> with tf.Session() as sess:
...     print(sess.run(tf.sets.size(u)))
[3]
"""

from teachflow.ops.set_operation_ops import (  # noqa: F401
    set_difference,
    set_intersection,
    set_size,
    set_union,
)

difference = set_difference
intersection = set_intersection
size = set_size
union = set_union
