"""CTC beam search decoding, op ``CTCBeamSearchDecoder`` (``tf.nn.ctc_beam_search_decoder``).

A CTC network emits, per frame, a score for every class and for the *blank* (the last
class). A label sequence has many frame paths (``a - a b b`` and ``a a - a b`` both read
``a a b``), so its probability is a sum over paths. The beam search keeps the
``beam_width`` most likely *prefixes* in a tree; per frame each prefix has two log
probabilities, ending in a blank or in its own last label, and each surviving prefix grows
a child per class. As in TensorFlow's kernel, each frame's scores become log probabilities
by a log-softmax, and a blank ends a run: ``a - a``
reads ``a a``. The greedy decoder is `teachflow.ops.ctc_ops`.

    >>> import teachflow as tf
    >>> logits = tf.math.log([[[0.1, 0.8, 0.1]], [[0.1, 0.1, 0.8]], [[0.7, 0.2, 0.1]]])
    >>> (decoded,), log_probs = tf.nn.ctc_beam_search_decoder(logits, [3], beam_width=2)
    >>> with tf.Session() as sess:
    ...     print(sess.run(decoded).values)
    [1 0]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape, dimension_value
from teachflow.framework.sparse_tensor import SparseTensor
from teachflow.ops.elementwise import check_allowed

__all__ = ["ctc_beam_search_decoder", "ctc_beam_search_decoder_v2"]

_LOG_ZERO = -np.inf


def _log_sum_exp(a, b):
    # TensorFlow's LogSumExp (ctc_loss_util.h), in the input's precision.
    if a == _LOG_ZERO:
        return b
    if b == _LOG_ZERO:
        return a
    if a > b:
        return a + np.log1p(np.exp(b - a))
    return b + np.log1p(np.exp(a - b))


class BeamEntry:
    """A node of the prefix tree: its label, parent, children by label, and the log
    probabilities of the prefix (total, ending in a blank, ending in its label) at the
    previous frame (``old``) and this one (``new``)."""

    __slots__ = ("parent", "label", "children", "old", "new")

    def __init__(self, parent, label, zero):
        self.parent, self.label, self.children = parent, label, {}
        self.old = [zero, zero, zero]  # total, blank, label
        self.new = [zero, zero, zero]

    def active(self):
        return self.new[0] != _LOG_ZERO

    def child(self, label, zero):
        c = self.children.get(label)
        if c is None:
            c = self.children[label] = BeamEntry(self, label, zero)
        return c

    def label_sequence(self, merge_repeated):
        labels, prev, e = [], -1, self
        while e.parent is not None:  # the root holds no label
            if not merge_repeated or e.label != prev:
                labels.append(e.label)
            prev, e = e.label, e.parent
        return labels[::-1]


class Leaves:
    """The beam: at most ``width`` entries, best first when extracted (gtl::TopN)."""

    def __init__(self, width):
        self.width, self.entries = width, []

    def push(self, e):
        if len(self.entries) < self.width:
            self.entries.append(e)
        elif e.new[0] > self.bottom().new[0]:
            self.entries.remove(self.bottom())
            self.entries.append(e)

    def bottom(self):
        return min(reversed(self.entries), key=lambda e: e.new[0])

    def extract(self):
        out = sorted(self.entries, key=lambda e: -e.new[0])
        self.entries = []
        return out


def _step(leaves, frame, blank, dtype):
    zero = dtype.type(_LOG_ZERO)
    # TF 2.x's kernel turns the scores into log probabilities: a log-softmax per frame,
    # its normaliser summed in class order.
    top = frame.max()
    total = dtype.type(0.0)
    for x in frame:
        total += np.exp(x - top)
    norm = top + np.log(total)
    branches = leaves.extract()
    for b in branches:
        b.old = list(b.new)
    for b in branches:
        if b.parent is not None:
            if b.parent.active():
                prev = b.parent.old[1] if b.label == b.parent.label else b.parent.old[0]
                b.new[2] = _log_sum_exp(b.new[2], prev)
            b.new[2] += frame[b.label] - norm
        b.new[1] = b.old[0] + frame[blank] - norm
        b.new[0] = _log_sum_exp(b.new[1], b.new[2])
        leaves.push(b)

    def is_candidate(total):
        return total > _LOG_ZERO and (
            len(leaves.entries) < leaves.width or total > leaves.bottom().new[0]
        )

    # Branches are in descending order of their previous-frame probability.
    for b in branches:
        if not is_candidate(b.old[0]):
            continue
        for label in range(blank):
            c = b.child(label, zero)
            if c.active():
                continue
            c.new[1] = zero
            prev = b.old[1] if c.label == b.label else b.old[0]
            c.new[2] = frame[label] - norm + prev
            c.new[0] = c.new[2]
            if is_candidate(c.new[0]):
                if len(leaves.entries) == leaves.width:
                    leaves.bottom().new = [zero, zero, zero]
                leaves.push(c)
            else:
                c.old = [zero, zero, zero]
                c.new = [zero, zero, zero]


def _decode_one(frames, beam_width, top_paths, merge_repeated):
    """The ``top_paths`` best label sequences of ``frames [time, classes]`` and their
    log probabilities."""
    dtype = frames.dtype
    root = BeamEntry(None, -1, dtype.type(_LOG_ZERO))
    root.new[0] = root.new[1] = dtype.type(0.0)
    leaves = Leaves(beam_width)
    leaves.push(root)
    blank = frames.shape[1] - 1
    for frame in frames:
        _step(leaves, frame, blank, dtype)
    if top_paths > len(leaves.entries):
        raise errors.InvalidArgumentError(
            None, None, "Less leaves in the beam search than requested."
        )
    best = sorted(leaves.entries, key=lambda e: -e.new[0])[:top_paths]
    return [e.label_sequence(merge_repeated) for e in best], [e.new[0] for e in best]


def _check_lengths(seq_len, batch, max_time):
    if len(seq_len) != batch:
        raise errors.FailedPreconditionError(
            None, None, f"len(sequence_length) != batch_size.  len(sequence_length):  "
            f"{len(seq_len)} batch_size: {batch}"
        )  # fmt: skip
    if np.any(seq_len > max_time):
        b = int(np.argmax(seq_len > max_time))
        raise errors.FailedPreconditionError(None, None, f"sequence_length({b}) <= {max_time}")


def _sparse(paths_per_batch, batch):
    rows, cols, values = [], [], []
    for b, path in enumerate(paths_per_batch):
        rows += [b] * len(path)
        cols += range(len(path))
        values += path
    longest = max((len(p) for p in paths_per_batch), default=0)
    indices = np.array([rows, cols], np.int64).T.reshape(-1, 2)
    return indices, np.array(values, np.int64), np.array([batch, longest], np.int64)


def _beam_kernel(op, device):
    beam_width, top_paths = int(op._attrs["beam_width"]), int(op._attrs["top_paths"])
    merge = bool(op._attrs["merge_repeated"])

    def ctc_beam_search_decoder(inputs, seq_len):
        max_time, batch, _ = inputs.shape
        _check_lengths(seq_len, batch, max_time)
        paths = [[None] * batch for _ in range(top_paths)]
        log_probs = np.zeros((batch, top_paths), inputs.dtype)
        for b in range(batch):
            best, scores = _decode_one(inputs[: int(seq_len[b]), b], beam_width, top_paths, merge)
            for p in range(top_paths):
                paths[p][b] = best[p]
                log_probs[b, p] = scores[p]
        sparse = [_sparse(paths[p], batch) for p in range(top_paths)]
        return (*[s[0] for s in sparse], *[s[1] for s in sparse], *[s[2] for s in sparse],
                log_probs)  # fmt: skip

    return ctc_beam_search_decoder


def _infer_beam(op):
    x = op.inputs[0]
    dt = check_allowed(x, (dtypes.float32, dtypes.float64), "inputs")
    top_paths = int(op._attrs["top_paths"])
    batch = dimension_value(x.shape[1]) if x.shape.ndims == 3 else None
    return (
        [(dtypes.int64, TensorShape([None, 2]))] * top_paths
        + [(dtypes.int64, TensorShape([None]))] * top_paths
        + [(dtypes.int64, TensorShape([2]))] * top_paths
        + [(dt, TensorShape([batch, top_paths]))]
    )


registry.register(
    "CTCBeamSearchDecoder", _infer_beam, kernels={"CPU": _beam_kernel}, not_differentiable=True
)


def ctc_beam_search_decoder(
    inputs, sequence_length, beam_width=100, top_paths=1, merge_repeated=True
):
    """The ``top_paths`` most likely label sequences of ``inputs [max_time, batch,
    num_classes]`` (the last class is the blank), by a beam search keeping ``beam_width``
    prefixes: ``([SparseTensor decoded per path], log_probabilities [batch, top_paths])``.
    Raises FailedPreconditionError when ``sequence_length`` does not fit the batch or the
    time, InvalidArgumentError when the beam holds fewer than ``top_paths`` sequences.

        >>> import teachflow as tf
        >>> logits = tf.one_hot([[1], [1], [2], [0]], 3) * 5.0
        >>> decoded, _ = tf.nn.ctc_beam_search_decoder(logits, [4], top_paths=2)
        >>> with tf.Session() as sess:
        ...     print(sess.run(decoded[0]).values)
        [1 0]
    """
    with name_scope(None, "CTCBeamSearchDecoder") as scope:
        x = convert_to_tensor(inputs, name="inputs")
        seq = convert_to_tensor(sequence_length, dtypes.int32, name="sequence_length")
        attrs = {
            "beam_width": int(beam_width),
            "top_paths": int(top_paths),
            "merge_repeated": bool(merge_repeated),
            "T": x.dtype.base_dtype,
        }
        op = x.graph.create_op("CTCBeamSearchDecoder", [x, seq], attrs, name=scope)
    n = int(top_paths)
    outs = op.outputs
    decoded = [SparseTensor(outs[i], outs[n + i], outs[2 * n + i]) for i in range(n)]
    return decoded, outs[3 * n]


def ctc_beam_search_decoder_v2(inputs, sequence_length, beam_width=100, top_paths=1):
    """`ctc_beam_search_decoder` without merging repeated labels (TF2's
    ``tf.nn.ctc_beam_search_decoder``).

        >>> import teachflow as tf
        >>> logits = tf.one_hot([[1], [1], [2], [0]], 3) * 5.0
        >>> (decoded,), _ = tf.nn.ctc_beam_search_decoder_v2(logits, [4])
        >>> with tf.Session() as sess:
        ...     print(sess.run(decoded).values)
        [1 0]
    """
    return ctc_beam_search_decoder(
        inputs, sequence_length, beam_width=beam_width, top_paths=top_paths, merge_repeated=False
    )
