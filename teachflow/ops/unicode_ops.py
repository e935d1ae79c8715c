"""Unicode text: which script a code point belongs to, and re-encoding strings.

- ``tf.strings.unicode_script`` maps each int32 code point to ICU's ``UScriptCode`` (0
  Common, 1 Inherited, 8 Cyrillic, 17 Han, 25 Latin, 103 Unknown...; -1 for a number that
  is no code point). The table, ``unicode_script_runs.txt``, lists where each run of one
  script starts; it was read from TensorFlow's ICU by
  ``tests/fixtures/tensorflow/record_strings_names.py``.
- ``tf.strings.unicode_transcode`` decodes each string from one encoding and encodes it in
  another (UTF-8, UTF-16-BE or UTF-32-BE). An invalid sequence is one error — the longest
  start of a valid sequence counts as one, as Unicode recommends and ICU does — and so is a
  C0 control character when ``replace_control_characters``; ``errors`` says what an error
  becomes: ``replacement_char`` ("replace"), nothing ("ignore") or InvalidArgumentError
  ("strict").

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.strings.unicode_script([0x41, 0x416, 0x4E2D])))
    [25  8 17]
"""

from __future__ import annotations

import codecs
import functools
import pathlib

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.ops.array_ops import to_host

__all__ = ["unicode_script", "unicode_transcode", "transcode"]

MAX_CODE_POINT = 0x10FFFF
INVALID_SCRIPT = -1  # ICU's USCRIPT_INVALID_CODE


@functools.cache
def _script_runs() -> tuple[list[int], np.ndarray]:
    """(first code point of each run, its script code), from unicode_script_runs.txt."""
    starts, scripts = [], []
    path = pathlib.Path(__file__).with_name("unicode_script_runs.txt")
    for line in path.read_text(encoding="ascii").splitlines():
        if line and not line.startswith("#"):
            start, script = line.split()
            starts.append(int(start, 16))
            scripts.append(int(script))
    return starts, np.array(scripts, dtype=np.int32)


def scripts_of(code_points: np.ndarray) -> np.ndarray:
    """ICU's script code of each code point (int32), -1 outside 0..0x10FFFF."""
    starts, scripts = _script_runs()
    code_points = np.asarray(code_points, dtype=np.int64)
    run = np.searchsorted(np.array(starts), code_points, side="right") - 1
    inside = (code_points >= 0) & (code_points <= MAX_CODE_POINT)
    return np.where(inside, scripts[np.clip(run, 0, len(scripts) - 1)], INVALID_SCRIPT).astype(
        np.int32
    )


def _infer_same_shape(dtype):
    return lambda op: [(dtype, op.inputs[0].shape)]


def _script_kernel(op, device):
    def script(values):
        result = scripts_of(to_host(values))
        return result[()] if result.ndim == 0 else device.xp.asarray(result)

    return script


registry.register(
    "UnicodeScript",
    _infer_same_shape(dtypes.int32),
    kernels={"CPU": _script_kernel},
    not_differentiable=True,
)


# -- transcoding --------------------------------------------------------------------------------
# ICU converter names -> Python codecs (those whose decoders follow the same
# "maximal subpart" error rule).
_DECODERS = {
    "UTF-8": "utf-8",
    "UTF8": "utf-8",
    "UTF-16-BE": "utf-16-be",
    "UTF-16BE": "utf-16-be",
    "UTF-16-LE": "utf-16-le",
    "UTF-16LE": "utf-16-le",
    "UTF-32-BE": "utf-32-be",
    "UTF-32BE": "utf-32-be",
    "UTF-32-LE": "utf-32-le",
    "UTF-32LE": "utf-32-le",
    "US-ASCII": "ascii",
    "ASCII": "ascii",
    "ISO-8859-1": "latin-1",
    "LATIN1": "latin-1",
}
OUTPUT_ENCODINGS = {"UTF-8": "utf-8", "UTF-16-BE": "utf-16-be", "UTF-32-BE": "utf-32-be"}
# Decoding marks each invalid sequence with a lone surrogate: no valid decoding yields one.
_MARK = "\udfff"


def _mark_errors(error: UnicodeDecodeError):
    return _MARK, error.end


codecs.register_error("teachflow.mark", _mark_errors)


def transcode(
    value: bytes,
    input_encoding: str,
    output_encoding: str,
    errors_mode: str = "replace",
    replacement_char: int = 0xFFFD,
    replace_control_characters: bool = False,
) -> bytes:
    """One string of the UnicodeTranscode op.

    >>> transcode(b"a\\xffb", "UTF-8", "UTF-8", replacement_char=ord("?"))
    b'a?b'
    """
    text = value.decode(_DECODERS[input_encoding.upper()], "teachflow.mark")
    out = []
    for ch in text:
        bad = ch == _MARK or (replace_control_characters and ord(ch) < 0x20)
        if not bad:
            out.append(ch)
        elif errors_mode == "strict":
            raise errors.InvalidArgumentError(None, None, "Invalid formatting on input string")
        elif errors_mode == "replace":
            out.append(chr(replacement_char))
    return "".join(out).encode(OUTPUT_ENCODINGS[output_encoding], "surrogatepass")


def _transcode_kernel(op, device):
    attrs = op._attrs
    input_encoding = attrs["input_encoding"]
    if input_encoding.upper() not in _DECODERS:
        raise errors.InvalidArgumentError(
            None, None, f"Could not create converter for input encoding: {input_encoding}"
        )
    convert = functools.partial(
        transcode,
        input_encoding=input_encoding,
        output_encoding=attrs["output_encoding"],
        errors_mode=attrs.get("errors", "replace"),
        replacement_char=attrs.get("replacement_char", 0xFFFD),
        replace_control_characters=attrs.get("replace_control_characters", False),
    )

    def run(values):
        values = np.asarray(to_host(values), dtype=object)
        out = np.empty(values.shape, dtype=object)
        for index, value in np.ndenumerate(values):
            out[index] = convert(value)
        return out[()] if out.ndim == 0 else out

    return run


registry.register(
    "UnicodeTranscode",
    _infer_same_shape(dtypes.string),
    kernels={"CPU": _transcode_kernel},
    not_differentiable=True,
)


# -- the public functions ---------------------------------------------------------------------
def unicode_script(input, name=None):  # noqa: A002 - TF's argument name
    """ICU's script code (int32) of each code point in ``input``; -1 for an invalid one."""
    with name_scope(name, "UnicodeScript", [input]) as scope:
        input = convert_to_tensor(input, dtype=dtypes.int32, name="input")  # noqa: A001
        return input.graph.create_op("UnicodeScript", [input], {}, name=scope).outputs[0]


def unicode_transcode(
    input,  # noqa: A002 - TF's argument name
    input_encoding,
    output_encoding,
    errors="replace",  # noqa: A002 - TF's argument name
    replacement_char=65533,
    replace_control_characters=False,
    name=None,
):
    """Each string of ``input`` decoded from ``input_encoding`` and encoded in
    ``output_encoding`` ("UTF-8", "UTF-16-BE" or "UTF-32-BE").

    ``errors`` ("replace", "ignore", "strict") decides what an invalid sequence (or, with
    ``replace_control_characters``, a C0 control character) becomes; "strict" raises
    InvalidArgumentError when run.

        >>> import teachflow as tf
        >>> t = tf.strings.unicode_transcode(["h\\u00e9"], "UTF-8", "UTF-16-BE")
        >>> with tf.Session() as sess:
        ...     print(sess.run(t))
        [b'\\x00h\\x00\\xe9']
    """
    if output_encoding not in OUTPUT_ENCODINGS:
        raise ValueError(
            f"Value for attr 'output_encoding' of \"{output_encoding}\" is not in the list of "
            'allowed values: "UTF-8", "UTF-16-BE", "UTF-32-BE"'
        )
    if errors not in ("strict", "replace", "ignore"):
        raise ValueError(
            f"Value for attr 'errors' of \"{errors}\" is not in the list of allowed values: "
            '"strict", "replace", "ignore"'
        )
    with name_scope(name, "UnicodeTranscode", [input]) as scope:
        input = convert_to_tensor(input, dtype=dtypes.string, name="input")  # noqa: A001
        attrs = {
            "input_encoding": input_encoding,
            "output_encoding": output_encoding,
            "errors": errors,
            "replacement_char": int(replacement_char),
            "replace_control_characters": bool(replace_control_characters),
        }
        return input.graph.create_op("UnicodeTranscode", [input], attrs, name=scope).outputs[0]
