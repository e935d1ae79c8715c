"""``tf.strings``: the string ops under their ``tf.strings.*`` names (re-exports).

>>> import teachflow as tf
>>> with tf.Session() as sess:
...     print(sess.run(tf.strings.join(["a", "b"], separator="-")))
b'a-b'
"""

from teachflow.ops.parsing_ops import string_to_number as to_number  # noqa: F401
from teachflow.ops.print_ops import string_format as format  # noqa: F401, A004 - TF's name
from teachflow.ops.segment_join_ops import unsorted_segment_join  # noqa: F401
from teachflow.ops.string_conversion_ops import as_string  # noqa: F401
from teachflow.ops.string_conversion_ops import string_to_hash_bucket as to_hash_bucket  # noqa: F401
from teachflow.ops.string_conversion_ops import (
    string_to_hash_bucket_fast as to_hash_bucket_fast,  # noqa: F401
)
from teachflow.ops.string_conversion_ops import (
    string_to_hash_bucket_strong as to_hash_bucket_strong,  # noqa: F401
)
from teachflow.ops.string_ops import reduce_join, regex_full_match, regex_replace, substr  # noqa: F401
from teachflow.ops.string_ops import string_join as join  # noqa: F401
from teachflow.ops.string_ops import string_length as length  # noqa: F401
from teachflow.ops.string_ops import string_lower as lower  # noqa: F401
from teachflow.ops.string_ops import string_strip as strip  # noqa: F401
from teachflow.ops.string_ops import string_upper as upper  # noqa: F401
from teachflow.ops.string_split_ops import strings_split as split  # noqa: F401
from teachflow.ops.unicode_ops import unicode_script, unicode_transcode  # noqa: F401
