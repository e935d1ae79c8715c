"""Lab 08 — loading data from the graph: the exercises of ``notebooks/08_loading_data.ipynb``."""

from __future__ import annotations

from teachflow.labs.exercise import Exercise, Lab
from teachflow.labs.verifiers import Choice, Inspect, Value

BATCH = 8
_PIPELINE_OPS = ("TextLineDataset", "MapDataset", "ShuffleDataset", "BatchDatasetV2")


def _ops_feeding(tensor):
    """The op types that compute ``tensor``, including those inside the functions that
    interleave / flat_map / map ops carry (their ``f`` attribute lists the function's nodes)."""
    types, seen, stack = set(), set(), [tensor.op]
    while stack:
        op = stack.pop()
        if op in seen:
            continue
        seen.add(op)
        types.add(op.type)
        fn = op._attrs.get("f")
        if fn is not None:
            types.update(node[1] for node in fn[1])
        stack.extend(t.op for t in op.inputs)
    return types


def _check_pipeline(dataset) -> str | None:
    """A tf.data pipeline of the lab's CSV files: parsed, shuffled, batches of 8."""
    import teachflow as tf

    if not isinstance(dataset, tf.data.Dataset):
        return f"Hand in the `tf.data.Dataset` itself, not a {type(dataset).__name__}."
    types = dataset.output_types
    if types != (tf.float32, tf.int32):
        return (
            f"Its elements are {types}: they should be (features, label) with float32 features "
            "and an int32 label — what `parse` of section 6 returns."
        )
    missing = [t for t in _PIPELINE_OPS if t not in _ops_feeding(dataset._variant_tensor)]
    if missing:
        return (
            f"The pipeline has no {', '.join(missing)} op: it should read, parse, shuffle, batch."
        )
    with dataset._variant_tensor.graph.as_default():
        try:
            features, labels = dataset.make_one_shot_iterator().get_next()
        except ValueError as e:
            return f"It cannot be read by a one-shot iterator: {e}"
        with tf.Session() as sess:
            got_features, got_labels = sess.run([features, labels])
    if got_features.shape != (BATCH, 2) or got_labels.shape != (BATCH,):
        return (
            f"Its first batch has features of shape {list(got_features.shape)} and labels of "
            f"shape {list(got_labels.shape)}: batches of {BATCH} examples of two features each "
            "were asked for."
        )
    if set(got_labels.tolist()) - {0, 1}:
        return "Its labels are not the 0/1 labels of the files: did it skip the header lines?"
    return None


LAB = Lab(
    "08",
    "Loading data from the graph",
    [
        Exercise(
            "first_key_line",
            "With skip_header_lines=1, what line number ends the key of a file's first record?",
            Value(
                2,
                mistakes={
                    1: "The header line is not returned, but it is still counted: keys say "
                    "where in the file a record is.",
                    0: "Line numbers in a TextLineReader key start at 1, like an editor's.",
                },
            ),
            hints=(
                "A key is `b'<file>:<line>'`: the line where the record was found in its file.",
                "Run `key` of section 3 once and read the number after the colon.",
            ),
            explanation="Keys point into the file: the header is line 1, so the first record "
            "returned is line 2. When decode_csv fails on a record, its key tells you which "
            "line of which file to look at.",
        ),
        Exercise(
            "required_field",
            "decode_csv with record_defaults=[[0.0], []] meets the record '1.5,': what happens?",
            Choice(
                "c",
                options="abcd",
                mistakes={
                    "a": "Only a column whose default has one element gets a default value; an "
                    "empty default means the column may not be empty.",
                    "b": "decode_csv never drops a record: it returns exactly one row per "
                    "record it is given.",
                    "d": "NaN is what a float column holds if the text says 'nan'; an empty "
                    "required field is an error.",
                },
            ),
            hints=(
                "What does an empty default (`[]`) say about a column?",
                "Run `tf.decode_csv(['1.5,'], [[0.0], []])` in a session and catch "
                "`tf.errors.OpError` to see what happens.",
            ),
            explanation="An empty record default marks the column as required: an empty field "
            "fails the whole op with InvalidArgumentError 'Field 1 is required but missing in "
            "record 0!'. Give a one-element default ([0.0]) to fill empty fields instead.",
            expects='a letter: "a", "b", "c" or "d"',
        ),
        Exercise(
            "interleave_order",
            "range(1, 4).interleave(lambda x: range(x), cycle_length=3, block_length=1): "
            "all the elements, in order?",
            Value(
                [0, 0, 0, 1, 1, 2],
                mistakes={
                    (0, 0, 1, 0, 1, 2): "That is flat_map's order: one inner dataset after the "
                    "other. interleave keeps cycle_length of them open and takes from each in "
                    "turn.",
                },
            ),
            hints=(
                "interleave opens up to cycle_length inner datasets and takes block_length "
                "elements from each in turn; an exhausted one is replaced by the next input.",
                "Build the dataset, make a one-shot iterator and run get_next until "
                "OutOfRangeError, collecting the values.",
            ),
            explanation="The three inner datasets are range(1), range(2), range(3): one round "
            "takes the first element of each (0, 0, 0), the next round the second of those "
            "still open (1, 1), then 2. That is how interleave mixes the lines of several files.",
            expects="a list of numbers",
        ),
        Exercise(
            "batched_pipeline",
            "A tf.data pipeline of the lab's files: parsed, shuffled, in batches of 8.",
            Inspect(_check_pipeline, expects="a tf.data.Dataset"),
            hints=(
                "Start from the dataset of section 6 and change what it does at the end.",
                "Skip each file's header inside the interleave function, map `parse`, then "
                f"`.shuffle(...)` and `.batch({BATCH})`; hand in the dataset, not an iterator.",
            ),
            explanation="Every step of the pipeline is an op of the graph (TextLineDataset, "
            "MapDataset, ShuffleDataset, BatchDatasetV2); the iterator runs them, one batch per "
            "get_next, with no feed_dict and no Python loop over the data.",
            expects="a tf.data.Dataset",
        ),
    ],
)
