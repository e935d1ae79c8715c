"""``tf.lookup``: lookup tables and their initializers (re-exports).

>>> import teachflow as tf
>>> table = tf.lookup.StaticVocabularyTable(
...     tf.lookup.KeyValueTensorInitializer(["a", "b"], tf.constant([0, 1], tf.int64)), 3)
>>> with tf.Session() as sess:
...     sess.run(tf.tables_initializer())
...     print(sess.run(table.lookup(tf.constant(["b", "zz"]))))
[1 3]
"""

from teachflow.ops.lookup_ops import (  # noqa: F401
    KeyValueTensorInitializer,
    StaticHashTable,
    StaticVocabularyTable,
    TextFileIndex,
    TextFileInitializer,
)
