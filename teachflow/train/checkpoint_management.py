"""Finding checkpoints: the ``checkpoint`` state file, ``tf.train.latest_checkpoint`` and friends.

A directory that a ``Saver`` writes into holds, next to the checkpoints themselves, a small
text file named ``checkpoint`` (a ``CheckpointState`` in protobuf text format, exactly as
TensorFlow writes it) naming the newest checkpoint and the ones still kept::

    model_checkpoint_path: "/tmp/run/model.ckpt-300"
    all_model_checkpoint_paths: "/tmp/run/model.ckpt-200"
    all_model_checkpoint_paths: "/tmp/run/model.ckpt-300"

    >>> import tempfile
    >>> import teachflow as tf
    >>> d = tempfile.mkdtemp()
    >>> tf.train.update_checkpoint_state(d, d + "/model.ckpt-2", [d + "/model.ckpt-1"])
    >>> tf.train.get_checkpoint_state(d).model_checkpoint_path == d + "/model.ckpt-2"
    True
    >>> print(tf.train.latest_checkpoint(d))  # no files behind it: not a checkpoint
    None
"""

from __future__ import annotations

import glob
import logging
import os
import re

from teachflow.framework import errors
from teachflow.ops import checkpoint_bundle as bundle

__all__ = [
    "CheckpointReader",
    "CheckpointState",
    "NewCheckpointReader",
    "checkpoint_exists",
    "generate_checkpoint_state_proto",
    "get_checkpoint_mtimes",
    "get_checkpoint_state",
    "latest_checkpoint",
    "list_variables",
    "load_checkpoint",
    "load_variable",
    "meta_graph_filename",
    "remove_checkpoint",
    "update_checkpoint_state",
]

_log = logging.getLogger("tensorflow")


class CheckpointState:
    """The ``checkpoint`` file's content: the newest checkpoint and all those kept.

    ``str(state)`` is the protobuf text format TensorFlow writes; `parse` reads it back."""

    def __init__(
        self,
        model_checkpoint_path="",
        all_model_checkpoint_paths=(),
        all_model_checkpoint_timestamps=(),
        last_preserved_timestamp=0.0,
    ):
        self.model_checkpoint_path = model_checkpoint_path
        self.all_model_checkpoint_paths = list(all_model_checkpoint_paths)
        self.all_model_checkpoint_timestamps = list(all_model_checkpoint_timestamps or ())
        self.last_preserved_timestamp = last_preserved_timestamp or 0.0

    def __str__(self):
        lines = []
        if self.model_checkpoint_path:
            lines.append(f'model_checkpoint_path: "{_escape(self.model_checkpoint_path)}"')
        lines += [
            f'all_model_checkpoint_paths: "{_escape(p)}"' for p in self.all_model_checkpoint_paths
        ]
        lines += [
            f"all_model_checkpoint_timestamps: {t!r}" for t in self.all_model_checkpoint_timestamps
        ]
        if self.last_preserved_timestamp:
            lines.append(f"last_preserved_timestamp: {self.last_preserved_timestamp!r}")
        return "".join(line + "\n" for line in lines)

    __repr__ = __str__

    def __eq__(self, other):
        return isinstance(other, CheckpointState) and str(self) == str(other)

    @classmethod
    def parse(cls, text: str) -> CheckpointState:
        """Read the text format; ValueError on anything that is not a CheckpointState field."""
        state = cls()
        for lineno, line in enumerate(text.splitlines(), 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            m = _FIELD.match(line)
            if m is None:
                raise ValueError(f"{lineno}: cannot parse checkpoint state line {line!r}")
            key, quoted, number = m.group("key"), m.group("string"), m.group("number")
            if key == "model_checkpoint_path" and quoted is not None:
                state.model_checkpoint_path = _unescape(quoted)
            elif key == "all_model_checkpoint_paths" and quoted is not None:
                state.all_model_checkpoint_paths.append(_unescape(quoted))
            elif key == "all_model_checkpoint_timestamps" and number is not None:
                state.all_model_checkpoint_timestamps.append(float(number))
            elif key == "last_preserved_timestamp" and number is not None:
                state.last_preserved_timestamp = float(number)
            else:
                raise ValueError(f"{lineno}: unexpected field {key!r} in checkpoint state")
        return state


_FIELD = re.compile(
    r'^(?P<key>\w+)\s*:\s*(?:"(?P<string>(?:[^"\\]|\\.)*)"|(?P<number>[-+0-9.eE]+|inf|nan))\s*$'
)
_ESCAPES = {"\\": "\\\\", '"': '\\"', "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_UNESCAPES = {"n": b"\n", "r": b"\r", "t": b"\t", "\\": b"\\", '"': b'"', "'": b"'"}


def _escape(text: str) -> str:
    # Protobuf's text format: C escapes, and bytes outside printable ASCII as octal.
    out = []
    for b in text.encode("utf-8"):
        c = chr(b)
        if c in _ESCAPES:
            out.append(_ESCAPES[c])
        elif 0x20 <= b < 0x7F:
            out.append(c)
        else:
            out.append(f"\\{b:03o}")
    return "".join(out)


def _unescape(text: str) -> str:
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if c != "\\":
            out += c.encode("utf-8")
            i += 1
            continue
        nxt = text[i + 1]
        if nxt in _UNESCAPES:
            out += _UNESCAPES[nxt]
            i += 2
        elif nxt in "01234567":
            digits = re.match(r"[0-7]{1,3}", text[i + 1 :]).group(0)
            out.append(int(digits, 8) & 0xFF)
            i += 1 + len(digits)
        elif nxt == "x":
            digits = re.match(r"[0-9a-fA-F]{1,2}", text[i + 2 :]).group(0)
            out.append(int(digits, 16))
            i += 2 + len(digits)
        else:
            raise ValueError(f"invalid escape \\{nxt} in checkpoint state")
    return out.decode("utf-8")


# -- the state file ---------------------------------------------------------------------
def _state_filename(save_dir, latest_filename=None) -> str:
    return os.path.join(save_dir, latest_filename or "checkpoint")


def generate_checkpoint_state_proto(
    save_dir,
    model_checkpoint_path,
    all_model_checkpoint_paths=None,
    all_model_checkpoint_timestamps=None,
    last_preserved_timestamp=None,
) -> CheckpointState:
    """A `CheckpointState`; the newest path is appended to the list when missing (as TF)."""
    paths = list(all_model_checkpoint_paths or [])
    if not paths or paths[-1] != model_checkpoint_path:
        paths.append(model_checkpoint_path)
    if all_model_checkpoint_timestamps and len(all_model_checkpoint_timestamps) != len(paths):
        raise ValueError(
            "Checkpoint timestamps, if provided, must match checkpoint paths (got paths "
            f"{paths} and timestamps {all_model_checkpoint_timestamps})"
        )
    # A relative save_dir stores paths relative to it, so the directory can move.
    if not os.path.isabs(save_dir):
        if not os.path.isabs(model_checkpoint_path):
            model_checkpoint_path = os.path.relpath(model_checkpoint_path, save_dir)
        paths = [p if os.path.isabs(p) else os.path.relpath(p, save_dir) for p in paths]
    return CheckpointState(
        model_checkpoint_path, paths, all_model_checkpoint_timestamps, last_preserved_timestamp
    )


def update_checkpoint_state(
    save_dir,
    model_checkpoint_path,
    all_model_checkpoint_paths=None,
    latest_filename=None,
    all_model_checkpoint_timestamps=None,
    last_preserved_timestamp=None,
    save_relative_paths=False,
) -> None:
    """Write the ``checkpoint`` file of ``save_dir`` (atomically: written aside, renamed)."""
    filename = _state_filename(save_dir, latest_filename)
    paths = list(all_model_checkpoint_paths or [])
    if save_relative_paths:
        model_checkpoint_path = _relative(model_checkpoint_path, save_dir)
        paths = [_relative(p, save_dir) for p in paths]
    state = generate_checkpoint_state_proto(
        save_dir,
        model_checkpoint_path,
        paths,
        all_model_checkpoint_timestamps,
        last_preserved_timestamp,
    )
    if filename == state.model_checkpoint_path:
        raise RuntimeError(
            f"Save path '{model_checkpoint_path}' conflicts with path used for checkpoint "
            "state.  Please use a different save path."
        )
    tmp = f"{filename}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(str(state))
    os.replace(tmp, filename)


def _relative(path, save_dir):
    return os.path.relpath(path, save_dir) if os.path.isabs(path) else path


def get_checkpoint_state(checkpoint_dir, latest_filename=None):
    """The directory's `CheckpointState` (relative paths made absolute), or None."""
    checkpoint_dir = os.fspath(checkpoint_dir)
    filename = _state_filename(checkpoint_dir, latest_filename)
    if not os.path.isfile(filename):
        return None
    try:
        with open(filename, encoding="utf-8") as f:
            state = CheckpointState.parse(f.read())
    except (OSError, UnicodeDecodeError, ValueError) as e:
        # TF logs a parse error and ignores the file.
        _log.warning("%s: %s", type(e).__name__, e)
        _log.warning("%s: Checkpoint ignored", filename)
        return None
    if not state.model_checkpoint_path:
        raise ValueError("Invalid checkpoint state loaded from " + checkpoint_dir)
    if not os.path.isabs(state.model_checkpoint_path):
        state.model_checkpoint_path = os.path.join(checkpoint_dir, state.model_checkpoint_path)
    state.all_model_checkpoint_paths = [
        p if os.path.isabs(p) else os.path.join(checkpoint_dir, p)
        for p in state.all_model_checkpoint_paths
    ]
    return state


def latest_checkpoint(checkpoint_dir, latest_filename=None):
    """The prefix of the newest checkpoint in ``checkpoint_dir``, or None if there is none."""
    state = get_checkpoint_state(checkpoint_dir, latest_filename)
    if state and state.model_checkpoint_path:
        if checkpoint_exists(state.model_checkpoint_path):
            return state.model_checkpoint_path
        _log.error("Couldn't match files for checkpoint %s", state.model_checkpoint_path)
    return None


# -- checkpoints as files -----------------------------------------------------------------
def checkpoint_exists(checkpoint_prefix) -> bool:
    """Whether a checkpoint (its ``.index`` file) exists for ``checkpoint_prefix``."""
    prefix = os.fspath(checkpoint_prefix)
    return bool(glob.glob(bundle.index_path(prefix))) or bool(glob.glob(prefix))


def get_checkpoint_mtimes(checkpoint_prefixes) -> list:
    """Modification times (seconds) of the checkpoints that exist, in order."""
    mtimes = []
    for prefix in checkpoint_prefixes:
        for pathname in (bundle.index_path(prefix), prefix):
            found = glob.glob(pathname)
            if found:
                mtimes.append(os.stat(found[0]).st_mtime_ns / 1e9)
                break
    return mtimes


def meta_graph_filename(checkpoint_filename, meta_graph_suffix="meta") -> str:
    """``model.ckpt-100`` -> ``model.ckpt-100.meta`` (a shard suffix is dropped first)."""
    basename = re.sub(r"-[\d\?]+-of-\d+$", "", checkpoint_filename)
    return ".".join([basename, meta_graph_suffix])


def remove_checkpoint(checkpoint_prefix, checkpoint_format_version=2, meta_graph_suffix="meta"):
    """Delete a checkpoint's files: its meta graph, index and data shards."""
    doomed = [meta_graph_filename(checkpoint_prefix, meta_graph_suffix)]
    doomed += bundle.files(checkpoint_prefix)
    for path in doomed:
        try:
            os.remove(path)
        except FileNotFoundError:
            pass


# -- reading a checkpoint without a graph -------------------------------------------------
class CheckpointReader:
    """Reads the tensors of one checkpoint: ``tf.train.load_checkpoint(path)`` or
    ``tf.train.NewCheckpointReader(prefix)``. ``get_tensor`` raises NotFoundError
    (``Key <name> not found in checkpoint``) for a name the checkpoint lacks.

        >>> import os, tempfile
        >>> import teachflow as tf
        >>> prefix = os.path.join(tempfile.mkdtemp(), "model.ckpt")
        >>> with tf.Graph().as_default():
        ...     v = tf.Variable([[1.0, 2.0, 3.0]], name="v")
        ...     with tf.Session() as sess:
        ...         sess.run(v.initializer)
        ...         _ = tf.train.Saver().save(sess, prefix)
        >>> reader = tf.train.NewCheckpointReader(prefix)
        >>> reader.debug_string(), reader.has_tensor("v"), reader.get_tensor("v")[0, 2]
        (b'v (DT_FLOAT) [1,3]\\n', True, np.float32(3.0))
    """

    def __init__(self, prefix):
        self._prefix = prefix
        self._index = bundle.read_index(prefix)

    def get_variable_to_shape_map(self) -> dict:
        return {n: list(e["shape"]) for n, e in self._index["tensors"].items()}

    def get_variable_to_dtype_map(self) -> dict:
        from teachflow.framework import dtypes

        return {n: dtypes.as_dtype(e["dtype"]) for n, e in self._index["tensors"].items()}

    def has_tensor(self, name) -> bool:
        return name in self._index["tensors"]

    def get_tensor(self, name):
        return bundle.read_tensor(self._prefix, self._index, name)

    def debug_string(self) -> bytes:
        """One ``name (DT_TYPE) [dims]`` line per tensor, sorted by name, as TF's reader."""
        from teachflow.framework import dtypes

        # The rows that hold bytes, as TF lists them: a partitioned variable shows as its
        # slices' keys (OrderedCode bytes), not as its full name.
        lines = []
        for key, entry in bundle.leaf_entries(self._index):
            dtype = "DT_" + bundle.tf_type_name(dtypes.as_dtype(entry["dtype"])).upper()
            shape = ",".join(str(d) for d in entry["shape"])
            lines.append(key + f" ({dtype}) [{shape}]\n".encode())
        return b"".join(lines)


def NewCheckpointReader(filepattern) -> CheckpointReader:  # noqa: N802 - TF's name
    """A reader of the checkpoint ``filepattern`` (a prefix, not a directory).

    Raises NotFoundError when no checkpoint has that prefix, and DataLossError (TF's words)
    for a directory, which TF tries to open as a checkpoint file of the old format.
    """
    prefix = os.fspath(filepattern)
    if os.path.isdir(prefix) and not os.path.exists(bundle.index_path(prefix)):
        raise errors.DataLossError(
            None,
            None,
            f"Unable to open table file {prefix}: FAILED_PRECONDITION: {prefix}; Is a "
            "directory: perhaps your file is in a different file format and you need to use "
            "a different restore operator?",
        )
    return CheckpointReader(prefix)


def _resolve(ckpt_dir_or_file):
    path = os.fspath(ckpt_dir_or_file)
    if os.path.isdir(path):
        latest = latest_checkpoint(path)
        if latest is None:
            raise ValueError(
                f"Couldn't find 'checkpoint' file or checkpoints in given directory {path}"
            )
        return latest
    return path


def load_checkpoint(ckpt_dir_or_file) -> CheckpointReader:
    """A reader for the checkpoint (a prefix, or a directory's newest checkpoint)."""
    return CheckpointReader(_resolve(ckpt_dir_or_file))


def list_variables(ckpt_dir_or_file) -> list:
    """``[(name, shape), ...]`` of the checkpoint, sorted by name."""
    return bundle.variables(_resolve(ckpt_dir_or_file))


def load_variable(ckpt_dir_or_file, name):
    """The value saved under ``name`` (a trailing ``:0`` is dropped, as TF does)."""
    if name.endswith(":0"):
        name = name[:-2]
    return load_checkpoint(ckpt_dir_or_file).get_tensor(name)
