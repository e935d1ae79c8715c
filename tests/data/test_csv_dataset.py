"""tf.data.experimental.CsvDataset against TensorFlow 2.21: the same files read by both, the
elements and errors below recorded from TF (tf.compat.v1, graph mode)."""

import numpy as np
import pytest

import teachflow as tf

FILES = {
    "t.csv": 'a,b,c\n1,2.5,x\n3,,"y,z"\n4,5.5,"multi\nline"\n\n6,7,w\r\n8,NA,v',
    "bad.csv": '1,x,q\n2,3,q,extra\n"4",1,"un"closed"\n5,2\n6,1e2,ok\n99999999999,1,z\n',
    "sel.csv": "h1,h2,h3,h4\n1,a,2.0,b\n3,c,4.0,d\n",
}
MISSING_0 = "Field 0 is required but missing in record!"


@pytest.fixture
def files(tmp_path):
    for name, text in FILES.items():
        (tmp_path / name).write_bytes(text.encode())
    return tmp_path


def elements(sess, ds, n=12):
    nxt = tf.data.make_one_shot_iterator(ds).get_next()
    out = []
    for _ in range(n):
        try:
            out.append(tuple(v.item() if hasattr(v, "item") else v for v in sess.run(nxt)))
        except tf.errors.OutOfRangeError:
            return out
        except tf.errors.InvalidArgumentError as e:
            out.append(e.message.splitlines()[0])
    return out


def test_records_quotes_defaults_and_na_values(sess, files):
    ds = tf.data.experimental.CsvDataset(
        [str(files / "t.csv")], [tf.int32, [0.0], tf.string], header=True, na_value="NA"
    )
    assert ds.output_types == (tf.int32, tf.float32, tf.string)
    assert elements(sess, ds) == [
        (1, 2.5, b"x"),
        (3, 0.0, b"y,z"),
        (4, 5.5, b"multi\nline"),
        MISSING_0,  # the empty line
        (6, 7.0, b"w"),
        (8, 0.0, b"v"),
    ]


def test_a_bad_record_fails_its_element_and_reading_goes_on(sess, files):
    ds = tf.data.experimental.CsvDataset([str(files / "bad.csv")], [tf.int32, tf.float32, [b"d"]])
    assert elements(sess, ds) == [
        "Field 1 in record is not a valid float: x",
        "Expect 3 fields but have more in record",
        "Quote inside a string has to be escaped by another quote",
        "Expect 3 fields but have 2 in record",
        (6, 100.0, b"ok"),
        "Field 0 in record is not a valid int32: 99999999999",
    ]


def test_selected_columns_and_unquoted_reading(sess, files):
    select = tf.data.experimental.CsvDataset(
        [str(files / "sel.csv")], [tf.int64, [0.0]], header=True, select_cols=[0, 2]
    )
    assert elements(sess, select) == [(1, 2.0), (3, 4.0)]
    plain = tf.data.experimental.CsvDataset(
        [str(files / "t.csv")], [tf.string] * 3, header=True, use_quote_delim=False
    )
    assert elements(sess, plain) == [
        (b"1", b"2.5", b"x"),
        "Field 1 is required but missing in record!",
        (b"4", b"5.5", b'"multi'),
        "Expect 3 fields but have 1 in record",
        MISSING_0,
        (b"6", b"7", b"w"),
        (b"8", b"NA", b"v"),
    ]
    lines = tf.data.experimental.CsvDataset([str(files / "sel.csv")], [tf.string], field_delim=";")
    assert elements(sess, lines)[0] == (b"h1,h2,h3,h4",)


def test_the_op_is_tensorflows(files):
    tf.data.experimental.CsvDataset(
        [str(files / "t.csv")], [tf.int32, [0.0], tf.string], header=True
    )
    ops = tf.get_default_graph().get_operations()
    assert [op.name for op in ops] == [
        "filenames", "compression_type", "Const", "Const_1", "record_defaults_1", "buffer_size",
        "header", "field_delim", "use_quote_delim", "na_value", "select_cols", "exclude_cols",
        "CSVDatasetV2",
    ]  # fmt: skip
    assert [t.name for t in ops[-1].inputs][8:11] == ["Const:0", "record_defaults_1:0", "Const_1:0"]
    assert np.asarray(ops[0].get_attr("value")).dtype == object
    with pytest.raises(TypeError, match="unexpected keyword argument 'exclude_cols'"):
        tf.data.experimental.CsvDataset(["x"], [tf.string], exclude_cols=[0])
