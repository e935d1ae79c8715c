"""SignatureDefs: a SavedModel's named entry points, as TensorFlow Serving reads them.

A signature maps names a client uses (``"x"``, ``"inputs"``) to tensors of the graph, and says
which of Serving's APIs it serves: ``predict`` (any tensors in, any out), ``classify``
(serialized ``tf.train.Example`` strings in; string ``classes`` and/or float ``scores`` out) or
``regress`` (Examples in, one float tensor out).

    >>> import teachflow as tf
    >>> x = tf.placeholder(tf.float32, [None, 3], name="x")
    >>> sig = tf.saved_model.predict_signature_def({"x": x}, {"y": 2.0 * x})
    >>> sig.method_name, sorted(sig.inputs), tf.saved_model.is_valid_signature(sig)
    ('tensorflow/serving/predict', ['x'], True)
"""

from __future__ import annotations

from teachflow.framework import dtypes
from teachflow.framework.operation import Tensor
from teachflow.proto import messages
from teachflow.proto.tensor_proto import make_tensor_proto
from teachflow.saved_model import signature_constants as sc
from teachflow.saved_model.utils import build_tensor_info

_STRING = dtypes.string.enum
_FLOAT = dtypes.float32.enum  # Serving's scores and regressions are float32


def build_signature_def(inputs=None, outputs=None, method_name=None, defaults=None):
    """A SignatureDef from maps of name -> ``TensorInfo`` (``build_tensor_info``)."""
    sig = messages.SignatureDef()
    for key, info in (inputs or {}).items():
        sig.inputs[key].CopyFrom(info)
    for key, info in (outputs or {}).items():
        sig.outputs[key].CopyFrom(info)
    if method_name is not None:
        sig.method_name = method_name
    for key, value in (defaults or {}).items():
        sig.defaults[key].CopyFrom(make_tensor_proto(value))
    return sig


def predict_signature_def(inputs, outputs):
    """Serving's ``predict``: maps of name -> tensor, neither empty (ValueError)."""
    if not inputs:
        raise ValueError("Prediction `inputs` cannot be None or empty.")
    if not outputs:
        raise ValueError("Prediction `outputs` cannot be None or empty.")
    return build_signature_def(
        {k: build_tensor_info(t) for k, t in inputs.items()},
        {k: build_tensor_info(t) for k, t in outputs.items()},
        sc.PREDICT_METHOD_NAME,
    )


def classification_signature_def(examples, classes, scores):
    """Serving's ``classify``: a string tensor of serialized Examples in; string ``classes``
    and/or float ``scores`` out."""
    if examples is None:
        raise ValueError("Classification `examples` cannot be None.")
    if not isinstance(examples, Tensor):
        raise ValueError(
            "Classification `examples` must be a string Tensor. Found `examples` of type "
            f"{type(examples)}."
        )
    if classes is None and scores is None:
        raise ValueError("Classification `classes` and `scores` cannot both be None.")
    examples_info = build_tensor_info(examples)
    if examples_info.dtype != _STRING:
        raise ValueError(
            "Classification input tensors must be of type string. Found tensors of type "
            f"{examples_info.dtype}"
        )
    outputs = {}
    if classes is not None:
        info = build_tensor_info(classes)
        if info.dtype != _STRING:
            raise ValueError(
                "Classification classes must be of type string Tensor. Found tensors of type "
                f"{info.dtype}.`"  # sic: TF's message ends with a backquote
            )
        outputs[sc.CLASSIFY_OUTPUT_CLASSES] = info
    if scores is not None:
        info = build_tensor_info(scores)
        if info.dtype != _FLOAT:
            raise ValueError("Classification scores must be a float Tensor.")
        outputs[sc.CLASSIFY_OUTPUT_SCORES] = info
    return build_signature_def(
        {sc.CLASSIFY_INPUTS: examples_info}, outputs, sc.CLASSIFY_METHOD_NAME
    )


def regression_signature_def(examples, predictions):
    """Serving's ``regress``: a string tensor of serialized Examples in, one float tensor out."""
    if examples is None:
        raise ValueError("Regression `examples` cannot be None.")
    if not isinstance(examples, Tensor):
        raise ValueError(
            "Expected regression `examples` to be of type Tensor. Found `examples` of type "
            f"{type(examples)}."
        )
    if predictions is None:
        raise ValueError("Regression `predictions` cannot be None.")
    examples_info = build_tensor_info(examples)
    if examples_info.dtype != _STRING:
        raise ValueError(
            "Regression input tensors must be of type string. Found tensors with type "
            f"{examples_info.dtype}."
        )
    output_info = build_tensor_info(predictions)
    if output_info.dtype != _FLOAT:
        raise ValueError(
            "Regression output tensors must be of type float. Found tensors with type "
            f"{output_info.dtype}."
        )
    return build_signature_def(
        {sc.REGRESS_INPUTS: examples_info},
        {sc.REGRESS_OUTPUTS: output_info},
        sc.REGRESS_METHOD_NAME,
    )


def is_valid_signature(signature_def) -> bool:
    """Whether ``signature_def`` is a well-formed predict, classify or regress signature."""
    if signature_def is None:
        return False
    method = signature_def.method_name
    ins, outs = signature_def.inputs, signature_def.outputs
    if method == sc.PREDICT_METHOD_NAME:
        return bool(ins) and bool(outs)
    if method == sc.CLASSIFY_METHOD_NAME:
        if (
            len(ins) != 1
            or sc.CLASSIFY_INPUTS not in ins
            or ins[sc.CLASSIFY_INPUTS].dtype != _STRING
        ):
            return False
        if not outs:
            return False
        for key, info in outs.items():
            if key == sc.CLASSIFY_OUTPUT_CLASSES and info.dtype == _STRING:
                continue
            if key == sc.CLASSIFY_OUTPUT_SCORES and info.dtype == _FLOAT:
                continue
            return False
        return True
    if method == sc.REGRESS_METHOD_NAME:
        return (
            len(ins) == 1
            and sc.REGRESS_INPUTS in ins
            and ins[sc.REGRESS_INPUTS].dtype == _STRING
            and len(outs) == 1
            and sc.REGRESS_OUTPUTS in outs
            and outs[sc.REGRESS_OUTPUTS].dtype == _FLOAT
        )
    return False
