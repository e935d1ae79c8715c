"""``tf.train.Example``: TensorFlow's record of named features, as protobuf messages.

The messages of ``tensorflow/core/example/feature.proto`` and ``example.proto`` (field
numbers and types as TensorFlow declares them, so the bytes are TensorFlow's), built from
their descriptors in a pool of their own: no generated module, and no clash with
TensorFlow's classes when both are imported in one process.

    >>> ex = Example(features=Features(feature={"x": Feature(int64_list=Int64List(value=[3]))}))
    >>> ex.SerializeToString()
    b'\\n\\x0c\\n\\n\\n\\x01x\\x12\\x05\\x1a\\x03\\n\\x01\\x03'
    >>> Example.FromString(ex.SerializeToString()).features.feature["x"].int64_list.value[0]
    3
"""

from __future__ import annotations

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

__all__ = [
    "BytesList",
    "Example",
    "Feature",
    "FeatureList",
    "FeatureLists",
    "Features",
    "FloatList",
    "Int64List",
    "SequenceExample",
]

_F = descriptor_pb2.FieldDescriptorProto
_REPEATED, _OPTIONAL = _F.LABEL_REPEATED, _F.LABEL_OPTIONAL


def _field(name, number, kind, label=_OPTIONAL, type_name=None, oneof=None):
    f = _F(name=name, number=number, type=kind, label=label)
    if type_name:
        f.type_name = type_name
    if oneof is not None:
        f.oneof_index = oneof
    return f


def _message(name, fields, nested=(), oneofs=()):
    m = descriptor_pb2.DescriptorProto(name=name, field=fields, nested_type=list(nested))
    for o in oneofs:
        m.oneof_decl.add(name=o)
    return m


def _map_of(entry, value_type):
    e = _message(
        entry,
        [
            _field("key", 1, _F.TYPE_STRING),
            _field("value", 2, _F.TYPE_MESSAGE, type_name=value_type),
        ],
    )
    e.options.map_entry = True
    return e


def _files():
    feature = descriptor_pb2.FileDescriptorProto(
        name="tensorflow/core/example/feature.proto", package="tensorflow", syntax="proto3"
    )
    feature.message_type.extend(
        [
            _message("BytesList", [_field("value", 1, _F.TYPE_BYTES, _REPEATED)]),
            _message("FloatList", [_field("value", 1, _F.TYPE_FLOAT, _REPEATED)]),
            _message("Int64List", [_field("value", 1, _F.TYPE_INT64, _REPEATED)]),
            _message(
                "Feature",
                [
                    _field(
                        "bytes_list", 1, _F.TYPE_MESSAGE, type_name=".tensorflow.BytesList", oneof=0
                    ),
                    _field(
                        "float_list", 2, _F.TYPE_MESSAGE, type_name=".tensorflow.FloatList", oneof=0
                    ),
                    _field(
                        "int64_list", 3, _F.TYPE_MESSAGE, type_name=".tensorflow.Int64List", oneof=0
                    ),
                ],
                oneofs=["kind"],
            ),
            _message(
                "Features",
                [
                    _field(
                        "feature",
                        1,
                        _F.TYPE_MESSAGE,
                        _REPEATED,
                        ".tensorflow.Features.FeatureEntry",
                    )
                ],
                nested=[_map_of("FeatureEntry", ".tensorflow.Feature")],
            ),
            _message(
                "FeatureList",
                [_field("feature", 1, _F.TYPE_MESSAGE, _REPEATED, ".tensorflow.Feature")],
            ),
            _message(
                "FeatureLists",
                [
                    _field(
                        "feature_list",
                        1,
                        _F.TYPE_MESSAGE,
                        _REPEATED,
                        ".tensorflow.FeatureLists.FeatureListEntry",
                    )
                ],
                nested=[_map_of("FeatureListEntry", ".tensorflow.FeatureList")],
            ),
        ]
    )
    example = descriptor_pb2.FileDescriptorProto(
        name="tensorflow/core/example/example.proto",
        package="tensorflow",
        syntax="proto3",
        dependency=[feature.name],
    )
    example.message_type.extend(
        [
            _message(
                "Example",
                [_field("features", 1, _F.TYPE_MESSAGE, type_name=".tensorflow.Features")],
            ),
            _message(
                "SequenceExample",
                [
                    _field("context", 1, _F.TYPE_MESSAGE, type_name=".tensorflow.Features"),
                    _field(
                        "feature_lists", 2, _F.TYPE_MESSAGE, type_name=".tensorflow.FeatureLists"
                    ),
                ],
            ),
        ]
    )
    return feature, example


_POOL = descriptor_pool.DescriptorPool()
for _file in _files():
    _POOL.Add(_file)


def _class(name):
    return message_factory.GetMessageClass(_POOL.FindMessageTypeByName(f"tensorflow.{name}"))


BytesList = _class("BytesList")
FloatList = _class("FloatList")
Int64List = _class("Int64List")
Feature = _class("Feature")
Features = _class("Features")
FeatureList = _class("FeatureList")
FeatureLists = _class("FeatureLists")
Example = _class("Example")
SequenceExample = _class("SequenceExample")
