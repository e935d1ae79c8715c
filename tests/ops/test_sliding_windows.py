"""The window geometry shared by convolution and pooling: TensorFlow's output sizes and
padding split, window views, and adding window values back onto the image."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from teachflow.ops.sliding_windows import add_patches, output_size, patches, window_2d


@pytest.mark.parametrize(
    "args, expected",
    [
        ((7, 3, 2, 1, "SAME"), (4, 1, 1)),  # ceil(7 / 2); pad 2 split evenly
        ((6, 3, 2, 1, "SAME"), (3, 0, 1)),  # odd padding: the extra one at the end
        ((7, 3, 2, 1, "VALID"), (3, 0, 0)),
        ((9, 3, 1, 2, "VALID"), (5, 0, 0)),  # dilated: effective size 5
        ((5, 3, 2, 1, "EXPLICIT", (1, 2)), (3, 1, 2)),
        ((None, 3, 1, 1, "SAME"), (None, None, None)),
    ],
)
def test_output_size(args, expected):
    assert output_size(*args) == expected


def test_window_larger_than_the_image():
    with pytest.raises(ValueError, match="Negative dimension size caused by subtracting 5 from 3"):
        output_size(3, 3, 1, 2, "VALID")


def test_patches_are_the_windows():
    x = np.arange(2 * 5 * 4 * 3, dtype=np.float64).reshape(2, 5, 4, 3)
    win = window_2d((5, 4), (2, 3), (2, 1), (1, 1), "VALID")
    cols = patches(np, x, win)
    assert cols.shape == (2, 2, 2, 3, 2, 3)
    np.testing.assert_array_equal(cols[1, 1, 0, 2], x[1, 2:4, 0:3, 2])
    assert not cols.flags.owndata  # a view: nothing copied


@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    size=st.tuples(st.integers(1, 6), st.integers(1, 6)),
    kernel=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    strides=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    padding=st.sampled_from(["SAME", "VALID"]),
)
def test_add_patches_is_the_adjoint_of_patches(size, kernel, strides, padding):
    # <patches(x), c> == <x, add_patches(c)> for all x, c: the gradient identity.
    if padding == "VALID" and (kernel[0] > size[0] or kernel[1] > size[1]):
        return
    rng = np.random.default_rng(sum(size + kernel + strides))
    win = window_2d(size, kernel, strides, (1, 1), padding)
    x = rng.standard_normal((2, *size, 3))
    cols = rng.standard_normal((2, win.out_h, win.out_w, *kernel, 3))
    lhs = np.sum(patches(np, x, win).transpose(0, 1, 2, 4, 5, 3) * cols)
    rhs = np.sum(x * add_patches(np, cols, win, 2, 3, np.float64))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-10)
