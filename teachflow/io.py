"""``tf.io``: reading, writing and decoding files under their ``tf.io.*`` names (re-exports).

>>> import teachflow as tf
>>> tf.io.read_file("data.csv").op.type
'ReadFile'
"""

from teachflow.ops.example_batch_parsing_ops import parse_example  # noqa: F401
from teachflow.ops.example_parsing_ops import (  # noqa: F401
    FixedLenFeature,
    FixedLenSequenceFeature,
    VarLenFeature,
    parse_single_example,
)
from teachflow.ops.io_ops import matching_files, read_file, write_file  # noqa: F401
from teachflow.ops.parsing_ops import decode_csv, decode_raw  # noqa: F401
from teachflow.python_io import (  # noqa: F401
    TFRecordCompressionType,
    TFRecordOptions,
    TFRecordWriter,
    tf_record_iterator,
)
