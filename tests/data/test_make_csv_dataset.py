"""tf.data.experimental.make_csv_dataset against TensorFlow's (recorded by
tests/fixtures/tensorflow/record_csv_datasets.py): the same files, column types inferred or
given, shuffled with a seed across two files, batches, labels, and the element structure."""

import json
import pathlib

import pytest

import teachflow as tf
from tests.fixtures.tensorflow.csv_dataset_cases import run, write_files

EXPECTED = json.loads(
    (
        pathlib.Path(__file__).resolve().parents[1]
        / "fixtures/tensorflow/csv_datasets/expected.json"
    ).read_text()
)


def test_make_csv_dataset_gives_tensorflows_batches(tmp_path):
    write_files(str(tmp_path))
    got = run(tf, str(tmp_path))
    assert set(got) == set(EXPECTED["cases"])
    for name, expected in EXPECTED["cases"].items():
        assert got[name] == expected, name


def test_make_csv_dataset_errors(tmp_path):
    write_files(str(tmp_path))
    path = str(tmp_path / "titanic.csv")
    make = tf.data.experimental.make_csv_dataset
    with pytest.raises(ValueError, match="`label_name` provided must be one of the columns"):
        make(path, 2, label_name="nope")
    with pytest.raises(ValueError, match="Expected `column_names` or `header` arguments"):
        make(path, 2, header=False)
    with pytest.raises(ValueError, match="must be of one of the columns"):
        make(path, 2, select_columns=["nope"])
