"""tf.strings, tf.as_string, base64, hash buckets and tf.lookup tables against TensorFlow's
recorded graphs, attrs, values and errors (tests/fixtures/tensorflow/record_strings_lookup.py)."""

import json
import pathlib

import numpy as np
import pytest

import teachflow as tf
from teachflow.ops.string_hashes import fingerprint64, legacy_hash64, siphash24

RECORD = json.loads(
    (
        pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/strings/strings_lookup.json"
    ).read_text()
)


@pytest.fixture
def vocab(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text(RECORD["vocab"])
    return str(path)


def as_json(value):
    if isinstance(value, tf.SparseTensorValue):
        return {k: as_json(getattr(value, k)) for k in ("indices", "values", "dense_shape")}
    arr = np.asarray(value)
    if arr.dtype.kind in "OS":
        return {"shape": list(arr.shape), "strings": [b.decode("latin-1") for b in arr.ravel()]}
    return {"shape": list(arr.shape), "dtype": arr.dtype.name, "values": arr.ravel().tolist()}


def node_attrs(graph, vocab):
    attrs = {}
    for node in graph.as_graph_def().node:
        if node.op == "Const":
            continue
        kept = {}
        for key, value in sorted(node.attr.items()):
            if key.startswith("_"):
                continue
            if key == "shared_name" and value.s.startswith(b"hash_table_") and b"/" not in value.s:
                continue
            kept[key] = str(value).replace("\n", " ").strip().replace(vocab, "VOCAB")
        attrs[node.name] = kept
    return attrs


@pytest.fixture
def program(vocab):
    with tf.Graph().as_default() as g:
        scope = {"tf": tf, "VOCAB": vocab}
        exec(RECORD["program"], scope)
    return g, scope


def test_graph_names_types_and_attrs_are_tensorflows(program, vocab):
    g, _ = program
    assert sorted(f"{op.name}:{op.type}" for op in g.get_operations()) == RECORD["ops"]
    assert node_attrs(g, vocab) == RECORD["attrs"]
    assert [op.name for op in g.get_collection(tf.GraphKeys.TABLE_INITIALIZERS)] == [
        "key_value_init/LookupTableImportV2",
        "key_value_init_1/LookupTableImportV2",
        "text_file_init/InitializeTableFromTextFileV2",
        "text_file_init_1/InitializeTableFromTextFileV2",
        "key_value_init_2/LookupTableImportV2",
    ]


def test_string_values_are_tensorflows(program):
    g, scope = program
    with tf.Session(graph=g) as sess:
        got = [as_json(sess.run(x)) for x in scope["outs"]]
    for i, (value, want) in enumerate(zip(got, RECORD["results"])):
        assert value == want, i


def test_tables_are_empty_until_initialized_and_then_give_tensorflows_values(program):
    g, scope = program
    with tf.Session(graph=g) as sess:
        assert sess.run(scope["size_before"]) == RECORD["size_before_init"] == 0
        sess.run(scope["init"])
        sess.run(scope["init"])  # the same pairs again: allowed
        got = [as_json(sess.run(x)) for x in scope["tables"]]
    for i, (value, want) in enumerate(zip(got, RECORD["tables"])):
        assert value == want, i


@pytest.mark.parametrize("case", RECORD["errors"], ids=range(len(RECORD["errors"])))
def test_errors_are_tensorflows(case, vocab):
    fragment, kind, message = case
    with tf.Graph().as_default() as g:
        scope = {"tf": tf, "VOCAB": vocab, "a": tf.constant(["Hello"])}
        exec(fragment, scope)
    with tf.Session(graph=g) as sess:
        with pytest.raises(getattr(tf.errors, kind)) as raised:
            sess.run(scope["out"])
    assert message.replace("VOCAB", vocab) in str(raised.value)


def test_hashes_of_known_strings():
    # FarmHash's Fingerprint64 of the empty string is its constant k2.
    assert fingerprint64(b"") == 0x9AE16A3B2F90404F
    assert fingerprint64(b"hello") == 0xB48BE5A931380CE8
    long = bytes(range(256)) * 2  # the > 64-byte path
    assert fingerprint64(long) != fingerprint64(long[:-1])
    assert legacy_hash64(b"") != legacy_hash64(b"\0")
    # SipHash-2-4's reference vector: key 00..0f, empty message.
    assert siphash24((0x0706050403020100, 0x0F0E0D0C0B0A0908), b"") == 0x726FDB47DD0E0E31


def test_a_key_of_the_wrong_dtype_is_refused_when_built():
    with tf.Graph().as_default():
        table = tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(["a"], [1]), -1)
        with pytest.raises(TypeError, match="Dtype of argument `keys` must be"):
            table.lookup(tf.constant([1]))
        with pytest.raises(ValueError, match="num_oov_buckets"):
            tf.lookup.StaticVocabularyTable(None, 0)


def test_tables_initializer_without_tables_is_a_no_op():
    with tf.Graph().as_default():
        op = tf.tables_initializer()
        assert (op.name, op.type) == ("init_all_tables", "NoOp")
