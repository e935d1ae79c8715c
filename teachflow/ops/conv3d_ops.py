"""3-D convolution: ``Conv3D`` and its two gradient ops, ``tf.nn.conv3d``.

``Conv3D(input [n, d, h, w, c], filter [kd, kh, kw, c, o])`` slides the filter through a
volume (video frames, medical scans). The kernel is im2col, as for 2-D
(`teachflow.ops.conv_ops`): every window as a strided view
(`teachflow.ops.volume_windows`), then ONE contraction of ``[n*od*oh*ow, kd*kh*kw*c]`` with
``[kd*kh*kw*c, o]``. The gradient is TensorFlow's two ops: ``Conv3DBackpropInputV2`` (the
output gradient times the filter, added back where each window read) and
``Conv3DBackpropFilterV2`` (the windows contracted with the output gradient).

    >>> import teachflow as tf
    >>> x = tf.placeholder(tf.float32, [None, 8, 16, 16, 3])
    >>> y = tf.nn.conv3d(x, tf.ones([3, 3, 3, 3, 4]), [1, 2, 2, 2, 1], "SAME")
    >>> y.op.type, y.shape
    ('Conv3D', TensorShape([Dimension(None), Dimension(4), Dimension(8), Dimension(8), Dimension(4)]))
    >>> [g.op.type for g in tf.gradients(y, [x])]
    ['Conv3DBackpropInputV2']
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.ops.array_ops import to_host
from teachflow.ops.elementwise import convert_like
from teachflow.ops.volume_windows import VolumeWindow, add_windows, windows

__all__: list = []


def _text(value):
    return value.decode() if isinstance(value, bytes) else value


def check_volume_attrs(op, names=("strides", "dilations")):
    """TensorFlow's checks of a 3-D window op's attributes, at graph construction."""
    if _text(op._attrs.get("data_format", "NDHWC")) not in ("NDHWC", "NCDHW"):
        raise ValueError(f"Invalid data format: {op._attrs['data_format']}")
    for name in names:
        values = op._attrs.get(name)
        if values is None:
            continue
        if len(values) != 5:
            raise ValueError(f"{name} must be of length 5, but is {len(values)}")
        if values[0] != 1 or values[4] != 1:
            raise errors.InvalidArgumentError(
                None,
                None,
                f"Current implementation does not yet support {name} in the batch and "
                "depth dimensions.",
            )


def volume_window(op, input_shape, ksize):
    """The window geometry of a 3-D op (NDHWC, undilated: what the CPU kernels run)."""
    if _text(op._attrs.get("data_format", "NDHWC")) != "NDHWC":
        raise errors.UnimplementedError(
            None, None, f"{op.type} on the CPU supports only the NDHWC tensor format."
        )
    if any(d != 1 for d in op._attrs.get("dilations", [1] * 5)):
        raise errors.UnimplementedError(
            None, None, f"{op.type} on the CPU does not support dilations greater than 1."
        )
    strides = op._attrs["strides"][1:4]
    return VolumeWindow.of(input_shape, ksize, strides, _text(op._attrs["padding"]))


def _static_out(op, x_shape, ksize):
    """The output's static [n, od, oh, ow] (None where unknown)."""
    dims = x_shape.as_list() if x_shape.ndims is not None else [None] * 5
    spatial = dims[1:4]
    if None in spatial or ksize is None or None in ksize:
        return [dims[0], None, None, None]
    win = volume_window(op, dims[:1] + spatial + dims[4:], ksize)
    return [dims[0], *win.out_size]


# -- Conv3D ------------------------------------------------------------------------------------
def _infer_conv3d(op):
    x, w = op.inputs
    check_volume_attrs(op)
    for t, what in ((x, "input"), (w, "filter")):
        if t.shape.ndims is not None and t.shape.ndims != 5:
            raise ValueError(f"Shape must be rank 5 but is rank {t.shape.ndims} for {what}")
    w_dims = w.shape.as_list() if w.shape.ndims is not None else [None] * 5
    x_dims = x.shape.as_list() if x.shape.ndims is not None else [None] * 5
    if None not in (x_dims[4], w_dims[3]) and x_dims[4] != w_dims[3]:
        raise ValueError(
            f"Dimensions must be equal, but are {x_dims[4]} and {w_dims[3]} for "
            f"'{op.name}' (op: 'Conv3D')"
        )
    out = _static_out(op, x.shape, w_dims[:3])
    return [(x.dtype.base_dtype, TensorShape([*out, w_dims[4]]))]


def _as_compute(a):
    # float16 contractions accumulate in float32, as TensorFlow's CPU kernels do.
    return a.astype(np.float32) if a.dtype == np.float16 else a


def _conv3d_kernel(op, device):
    def conv3d(x, w):
        x, w = np.asarray(to_host(x)), np.asarray(to_host(w))
        if x.shape[4] != w.shape[3]:
            raise errors.InvalidArgumentError(
                None,
                None,
                f"Input depth must be evenly divisible by filter depth: {x.shape[4]} vs "
                f"{w.shape[3]}",
            )
        win = volume_window(op, x.shape, w.shape[:3])
        cols = windows(_as_compute(x), win)  # [n, od, oh, ow, c, kd, kh, kw]
        y = np.tensordot(cols, _as_compute(w), axes=([4, 5, 6, 7], [3, 0, 1, 2]))
        return device.xp.asarray(y.astype(x.dtype, copy=False))

    return conv3d


def _backprop_input_kernel(op, device):
    def backprop_input(sizes, w, dy):
        sizes = [int(s) for s in np.asarray(to_host(sizes))]
        w, dy = np.asarray(to_host(w)), np.asarray(to_host(dy))
        win = volume_window(op, sizes, w.shape[:3])
        _check_out_backprop(win, dy, sizes[0], w.shape[4])
        per_window = np.tensordot(_as_compute(dy), _as_compute(w), axes=([4], [4]))
        dx = add_windows(per_window, win, sizes[4], per_window.dtype)
        return device.xp.asarray(dx.astype(w.dtype, copy=False))

    return backprop_input


def _backprop_filter_kernel(op, device):
    def backprop_filter(x, sizes, dy):
        sizes = [int(s) for s in np.asarray(to_host(sizes))]
        x, dy = np.asarray(to_host(x)), np.asarray(to_host(dy))
        win = volume_window(op, x.shape, sizes[:3])
        _check_out_backprop(win, dy, x.shape[0], sizes[4])
        cols = windows(_as_compute(x), win)
        dw = np.tensordot(cols, _as_compute(dy), axes=([0, 1, 2, 3], [0, 1, 2, 3]))
        return device.xp.asarray(dw.transpose(1, 2, 3, 0, 4).astype(x.dtype, copy=False))

    return backprop_filter


def _check_out_backprop(win, dy, batch, channels):
    want = (batch, *win.out_size, channels)
    if tuple(dy.shape) != want:
        raise errors.InvalidArgumentError(
            None,
            None,
            f"Size of out_backprop doesn't match computed: actual = {list(dy.shape)}, "
            f"computed = {list(want)}",
        )


def _infer_from_sizes(sizes_index, dtype_index):
    def infer(op):
        from teachflow.ops.static_value import constant_value

        check_volume_attrs(op)
        sizes = constant_value(op.inputs[sizes_index])
        shape = TensorShape(None if sizes is None else [int(s) for s in sizes])
        if sizes is None:
            shape = TensorShape([None] * 5)
        return [(op.inputs[dtype_index].dtype.base_dtype, shape)]

    return infer


def _attrs_of(op):
    return {
        k: v
        for k, v in op._attrs.items()
        if k in ("T", "strides", "padding", "data_format", "dilations")
    }


def _grad_op(op_type, inputs, attrs):
    return inputs[0].graph.create_op(op_type, inputs, attrs, name=op_type).outputs[0]


def _conv3d_grad(op, grad):
    from teachflow.ops import array_ops

    x, w = op.inputs
    attrs = _attrs_of(op)
    x_shape, w_shape = array_ops.shape_n([x, w])  # one op for both shapes, as TF
    return [
        _grad_op("Conv3DBackpropInputV2", [x_shape, w, grad], {**attrs, "Tshape": dtypes.int32}),
        _grad_op("Conv3DBackpropFilterV2", [x, w_shape, grad], attrs),
    ]


def _backprop_input_grad(op, grad):
    from teachflow.ops import array_ops

    _, w, dy = op.inputs
    attrs = {k: v for k, v in _attrs_of(op).items()}
    return [
        None,
        _grad_op("Conv3DBackpropFilterV2", [grad, array_ops.shape(w), dy], attrs),
        _grad_op("Conv3D", [grad, w], attrs),
    ]


def _backprop_filter_grad(op, grad):
    from teachflow.ops import array_ops

    x, _, dy = op.inputs
    attrs = _attrs_of(op)
    return [
        _grad_op(
            "Conv3DBackpropInputV2",
            [array_ops.shape(x), grad, dy],
            {**attrs, "Tshape": dtypes.int32},
        ),
        None,
        _grad_op("Conv3D", [x, grad], attrs),
    ]


registry.register("Conv3D", _infer_conv3d, _conv3d_kernel, grad=_conv3d_grad, cheap=False)
registry.register(
    "Conv3DBackpropInputV2",
    _infer_from_sizes(0, 1),
    _backprop_input_kernel,
    grad=_backprop_input_grad,
    cheap=False,
)
registry.register(
    "Conv3DBackpropFilterV2",
    _infer_from_sizes(1, 0),
    _backprop_filter_kernel,
    grad=_backprop_filter_grad,
    cheap=False,
)


def _five(value, name, data_format):
    """``strides``/``dilations`` as the 5-entry attr TF stores (ints or 3 spatial values
    are spread into data_format's order)."""
    if value is None:
        value = 1
    values = [int(value)] if isinstance(value, (int, np.integer)) else [int(v) for v in value]
    if len(values) == 1:
        values = values * 3
    if len(values) == 3:
        values = [1, 1, *values] if data_format == "NCDHW" else [1, *values, 1]
    if len(values) != 5:
        raise ValueError(f"{name} must be of length 5, but is {len(values)}")
    return values


def conv3d(
    input,  # noqa: A002 - TensorFlow's argument name
    filter=None,  # noqa: A002
    strides=None,
    padding=None,
    data_format="NDHWC",
    dilations=(1, 1, 1, 1, 1),
    name=None,
    filters=None,
):
    """3-D convolution of ``input [n, d, h, w, c]`` with ``filter [kd, kh, kw, c, o]``;
    ``strides`` has 5 entries in ``data_format`` order (the first and last 1), ``padding``
    is "SAME" or "VALID".

        >>> import teachflow as tf
        >>> y = tf.nn.conv3d(tf.ones([1, 2, 2, 2, 1]), tf.ones([2, 2, 2, 1, 1]),
        ...                  [1, 1, 1, 1, 1], "VALID")
        >>> with tf.Session() as sess:
        ...     print(sess.run(y).reshape(-1))
        [8.]
    """
    if filter is None:
        filter = filters  # noqa: A001
    elif filters is not None:
        raise ValueError("filter and filters arguments cannot both be given")
    data_format = data_format or "NDHWC"
    with name_scope(name, "Conv3D", [input, filter]) as scope:
        x = convert_to_tensor(input, name="input")
        w = convert_like(filter, x.dtype, "Conv3D", ("input", "filter"))
        attrs = {
            "T": x.dtype.base_dtype,
            "strides": _five(strides, "strides", data_format),
            "padding": _text(padding),
            "data_format": data_format,
            "dilations": _five(dilations, "dilations", data_format),
        }
        return x.graph.create_op("Conv3D", [x, w], attrs, name=scope).outputs[0]
