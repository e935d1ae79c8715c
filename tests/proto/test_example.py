"""tf.train.Example messages: TensorFlow's field numbers, so TensorFlow's bytes."""

from teachflow.proto import example as pb


def test_an_example_serializes_as_tensorflows():
    # Bytes of TF 2.21's tf.train.Example for the same features (deterministic: keys sorted).
    ex = pb.Example(
        features=pb.Features(
            feature={
                "b": pb.Feature(float_list=pb.FloatList(value=[1.5, 2])),
                "a": pb.Feature(bytes_list=pb.BytesList(value=[b"hi"])),
            }
        )
    )
    assert ex.SerializeToString(deterministic=True) == (
        b"\n \n\x0b\n\x01a\x12\x06\n\x04\n\x02hi\n\x11\n\x01b\x12\x0c\x12\n\n\x08\x00\x00\xc0?"
        b"\x00\x00\x00@"
    )
    back = pb.Example.FromString(ex.SerializeToString())
    assert back.features.feature["b"].WhichOneof("kind") == "float_list"
    assert list(back.features.feature["b"].float_list.value) == [1.5, 2.0]


def test_a_sequence_example_has_context_and_feature_lists():
    seq = pb.SequenceExample()
    seq.context.feature["len"].int64_list.value.append(2)
    steps = seq.feature_lists.feature_list["tokens"].feature
    steps.add().int64_list.value.append(4)
    steps.add().int64_list.value.append(5)
    back = pb.SequenceExample.FromString(seq.SerializeToString())
    assert [f.int64_list.value[0] for f in back.feature_lists.feature_list["tokens"].feature] == [
        4,
        5,
    ]
