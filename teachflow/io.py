"""``tf.io``: reading, writing, encoding and decoding under their ``tf.io.*`` names, as TF
2.21's ``tf.compat.v1.io`` has them (re-exports of what teachflow keeps elsewhere: the
image codecs of ``tf.image``, the queues, ``tf.gfile`` under its snake_case names...).

>>> import teachflow as tf
>>> tf.io.read_file("data.csv").op.type
'ReadFile'
>>> tf.io.decode_png is tf.image.decode_png, tf.io.gfile.exists is tf.gfile.Exists
(True, True)
"""

from teachflow import io_gfile as gfile  # noqa: F401 - TF 2's snake_case names
from teachflow.ops.data_flow_ops import (  # noqa: F401
    FIFOQueue,
    PaddingFIFOQueue,
    PriorityQueue,
    QueueBase,
    RandomShuffleQueue,
)
from teachflow.ops.decode_compressed_ops import decode_compressed  # noqa: F401
from teachflow.ops.example_batch_parsing_ops import parse_example  # noqa: F401
from teachflow.ops.example_parsing_ops import (  # noqa: F401
    FixedLenFeature,
    FixedLenSequenceFeature,
    VarLenFeature,
    parse_single_example,
)
from teachflow.ops.image_codec_ops import decode_png, encode_png  # noqa: F401
from teachflow.ops.image_decode_ops import decode_bmp, decode_gif  # noqa: F401
from teachflow.ops.io_ops import matching_files, read_file, write_file  # noqa: F401
from teachflow.ops.jpeg_codec_ops import decode_image, decode_jpeg, encode_jpeg  # noqa: F401
from teachflow.ops.jpeg_window_ops import (  # noqa: F401
    decode_and_crop_jpeg,
    extract_jpeg_shape,
    is_jpeg,
)
from teachflow.ops.json_example_ops import decode_json_example  # noqa: F401
from teachflow.ops.parsing_ops import decode_csv, decode_raw  # noqa: F401
from teachflow.ops.sequence_example_parsing_ops import (  # noqa: F401
    parse_sequence_example,
    parse_single_sequence_example,
)
from teachflow.ops.sparse_serialization_ops import (  # noqa: F401
    deserialize_many_sparse,
    serialize_many_sparse,
    serialize_sparse,
)
from teachflow.ops.string_conversion_ops import decode_base64, encode_base64  # noqa: F401
from teachflow.ops.tensor_serialization_ops import parse_tensor, serialize_tensor  # noqa: F401
from teachflow.python_io import (  # noqa: F401
    TFRecordCompressionType,
    TFRecordOptions,
    TFRecordWriter,
    tf_record_iterator,
)
from teachflow.train.graph_io import write_graph  # noqa: F401
from teachflow.train.input import match_filenames_once  # noqa: F401
