"""``tf.print`` and ``tf.strings.format``: TensorFlow 2's printing, in a TF1 graph.

``tf.strings.format(template, inputs)`` is one ``StringFormat`` op: each ``{}`` of the
template replaced by a tensor written as NumPy would (``[[1 2]\\n [3 4]]``), at most
``summarize`` entries at each end of every dimension with ``...`` between. ``tf.print(*inputs)``
builds the template from its Python arguments (``pprint`` of lists and dicts, tensors as
``{}``) and a ``PrintV2`` op that writes the formatted string to ``output_stream`` when it
runs. In a graph nothing runs unless asked: run the returned op, or make what you compute
depend on it with ``tf.control_dependencies``.

    >>> import teachflow as tf
    >>> x = tf.constant([[1, 2], [3, 4]])
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.strings.format("x = {}", [x])).decode())
    x = [[1 2]
     [3 4]]
"""

from __future__ import annotations

import logging
import os
import pprint
import random
import sys

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.operation import Tensor
from teachflow.framework.shapes import TensorShape
from teachflow.ops import control_flow_nest as nest
from teachflow.ops.array_ops import to_host
from teachflow.ops.logging_ops import _c_escape, _element_text

__all__ = ["print_v2", "string_format"]


# -- Tensor::SummarizeValue(n, print_v2=true) --------------------------------------------------
def _element_v2(v) -> str:
    if isinstance(v, (bytes, np.bytes_)):
        return f'"{_c_escape(bytes(v))}"'
    return _element_text(v)


def _dim_spacing(dim, ndims, out):
    if dim == ndims - 1:
        out.append(" ")
    else:
        out.append("\n" * (ndims - dim - 1) + " " * (dim + 1))


def _one_dim_v2(dim, shape, at_ends, array, out):
    """TensorFlow's PrintOneDimV2: ``at_ends`` entries from each end of every dimension."""
    if dim == len(shape):
        out.append(_element_v2(array[()] if isinstance(array, np.ndarray) else array))
        return
    out.append("[")
    count = shape[dim]
    for i in range(min(at_ends, count)):
        if i > 0:
            _dim_spacing(dim, len(shape), out)
        _one_dim_v2(dim + 1, shape, at_ends, array[i], out)
    if count > 2 * at_ends:
        _dim_spacing(dim, len(shape), out)
        out.append("...")
    for i in range(max(at_ends, count - at_ends), count):
        _dim_spacing(dim, len(shape), out)
        _one_dim_v2(dim + 1, shape, at_ends, array[i], out)
    out.append("]")


def summarize_v2(value, summarize=3) -> str:
    """``value`` as tf.print writes it.

    >>> summarize_v2(np.arange(10))
    '[0 1 2 ... 7 8 9]'
    """
    a = np.asarray(value)
    limit = a.size if summarize < 0 else min(summarize, a.size)
    out = []
    _one_dim_v2(0, a.shape, limit, a, out)
    return "".join(out)


# -- StringFormat ------------------------------------------------------------------------------
def _infer_string_format(op):
    template, placeholder = op._attrs["template"], op._attrs["placeholder"]
    if template.count(placeholder) != len(op.inputs):
        raise ValueError(
            f"num placeholders in template and num inputs must match: "
            f"{template.count(placeholder)} vs. {len(op.inputs)}"
        )
    return [(dtypes.string, TensorShape([]))]


def _string_format_kernel(op, device):
    template, placeholder = op._attrs["template"], op._attrs["placeholder"]
    summarize = op._attrs["summarize"]
    pieces = template.split(placeholder)

    def string_format(*inputs):
        out = [pieces[0]]
        for value, piece in zip(inputs, pieces[1:]):
            out += [summarize_v2(to_host(value), summarize), piece]
        return np.asarray("".join(out).encode(), dtype=object)

    return string_format


registry.register(
    "StringFormat", _infer_string_format, _string_format_kernel, not_differentiable=True
)


def string_format(template, inputs, placeholder="{}", summarize=3, name=None):
    """A string scalar: ``template`` with each ``placeholder`` replaced by the next tensor
    of ``inputs``, summarized to ``summarize`` entries at each end of each dimension."""
    if isinstance(inputs, Tensor):
        inputs = [inputs]
    inputs = [convert_to_tensor(x) for x in inputs]
    if template.count(placeholder) != len(inputs):
        raise ValueError(
            f"The template expects {template.count(placeholder)} tensors, but the inputs "
            f"only has {len(inputs)}. Please ensure the template has the same number of "
            "placeholders as the number of input tensors."
        )
    from teachflow.framework.graph import get_default_graph

    attrs = {
        "T": [x.dtype.base_dtype for x in inputs],
        "template": template,
        "placeholder": placeholder,
        "summarize": int(summarize),
    }
    graph = inputs[0].graph if inputs else get_default_graph()
    return graph.create_op("StringFormat", inputs, attrs, name=name or "StringFormat").outputs[0]


# -- PrintV2 -----------------------------------------------------------------------------------
_LOG_LEVELS = {"log(info)": logging.INFO, "log(warning)": logging.WARNING}
_LOG_LEVELS["log(error)"] = logging.ERROR


def _infer_print_v2(op):
    if op.inputs[0].shape.ndims not in (None, 0):
        raise ValueError(f"Shape must be rank 0 but is rank {op.inputs[0].shape.ndims}")
    return []


def _print_v2_kernel(op, device):
    stream, end = op._attrs["output_stream"], op._attrs["end"]

    def print_v2(text):
        message = bytes(np.asarray(to_host(text)).item()).decode("utf-8", "replace")
        if stream in _LOG_LEVELS:
            # TensorFlow's LOG(INFO) ends the record itself: `end` is not appended.
            logging.getLogger("tensorflow").log(_LOG_LEVELS[stream], message)
        elif stream.startswith("file://"):
            with open(stream[len("file://") :], "a") as f:
                f.write(message + end)
        elif stream in ("stdout", "stderr"):
            target = sys.stdout if stream == "stdout" else sys.stderr
            target.write(message + end)
            target.flush()
        else:
            raise errors.InvalidArgumentError(None, None, f"{stream} is not a valid output stream.")

    return print_v2


registry.register(
    "PrintV2", _infer_print_v2, _print_v2_kernel, stateful=True, not_differentiable=True
)


def _placeholder_for(template, placeholder="{}"):
    # TensorFlow's choice: "{}" unless the literal text contains it, then digits drawn from
    # random.Random(5) appended until it does not.
    rng = random.Random(5)
    while placeholder in template:
        placeholder += str(rng.randint(0, 9))
    return placeholder


def _output_stream_name(stream):
    from teachflow import logging as tf_logging

    if isinstance(stream, str) and stream.startswith("file://"):
        return stream
    names = {
        sys.stdout: "stdout",
        sys.stderr: "stderr",
        tf_logging.info: "log(info)",
        tf_logging.warning: "log(warning)",
        tf_logging.warn: "log(warning)",
        tf_logging.error: "log(error)",
        logging.info: "log(info)",
        logging.warning: "log(warning)",
        logging.error: "log(error)",
    }
    levels = {logging.INFO: "log(info)", logging.WARNING: "log(warning)"}
    levels[logging.ERROR] = "log(error)"
    found = levels.get(stream) if isinstance(stream, int) else None
    for key, value in names.items():
        if stream is key:
            found = value
    if found is None:
        raise ValueError(
            f"Unsupported output stream, logging level, or file.{stream}. Supported streams "
            "are sys.stdout, sys.stderr, tf.logging.info, tf.logging.warning, "
            "tf.logging.error. File needs to be in the form of 'file://<filepath>'."
        )
    return found


def print_v2(*inputs, **kwargs):
    """An op that, when run, writes ``inputs`` (tensors, and Python values printed as
    ``pprint`` would) separated by ``sep`` and followed by ``end`` to ``output_stream``
    (``sys.stderr``; or ``sys.stdout``, ``tf.logging.info``/``warning``/``error`` or
    ``"file://<path>"``)."""
    stream = _output_stream_name(kwargs.pop("output_stream", sys.stderr))
    name = kwargs.pop("name", None)
    summarize = kwargs.pop("summarize", 3)
    sep = kwargs.pop("sep", " ")
    end = kwargs.pop("end", os.linesep)
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments for tf.print: {kwargs}")
    format_name = f"{name}_format" if name else None
    if (
        len(inputs) == 1
        and isinstance(inputs[0], Tensor)
        and inputs[0].shape.ndims == 0
        and inputs[0].dtype.base_dtype is dtypes.string
    ):
        formatted = inputs[0]
    else:
        free = nest.map_structure(lambda x: "" if isinstance(x, Tensor) else x, list(inputs))
        placeholder = _placeholder_for(" ".join(pprint.pformat(x) for x in free))
        templates, tensors = [], []
        for input_ in inputs:
            placeholders = []
            for x in nest.flatten(input_):
                if isinstance(x, Tensor):
                    tensors.append(x)
                    placeholders.append(placeholder)
                else:
                    placeholders.append(x)
            if isinstance(input_, str):
                templates.append(input_)
            else:
                templates.append(pprint.pformat(nest.pack_sequence_as(input_, placeholders)))
        template = sep.join(templates).replace(f"'{placeholder}'", placeholder)
        formatted = string_format(template, tensors, placeholder, summarize, name=format_name)
    attrs = {"output_stream": stream, "end": end}
    return formatted.graph.create_op("PrintV2", [formatted], attrs, name=name or "PrintV2")
