"""Device names: parsing short and full forms, merging, printing."""

import pytest

import teachflow as tf
from teachflow.framework.device_spec import canonical_name


@pytest.mark.parametrize(
    "spec, canonical",
    [
        ("/gpu:1", "/device:GPU:1"),
        ("/cpu:0", "/device:CPU:0"),
        ("/device:GPU:0", "/device:GPU:0"),
        ("/job:ps", "/job:ps"),
        ("/job:ps/task:0", "/job:ps/task:0"),
        ("/job:ps/task:0/gpu:1", "/job:ps/task:0/device:GPU:1"),
        (
            "/job:localhost/replica:0/task:0/device:CPU:0",
            "/job:localhost/replica:0/task:0/device:CPU:0",
        ),
        ("/GPU:2", "/device:GPU:2"),
        ("/gpu:*", "/device:GPU:*"),
        ("", ""),
    ],
)
def test_parse_and_print(spec, canonical):
    assert tf.DeviceSpec.from_string(spec).to_string() == canonical
    assert canonical_name(spec) == canonical


def test_fields():
    d = tf.DeviceSpec.from_string("/job:worker/replica:0/task:3/device:GPU:1")
    assert (d.job, d.replica, d.task, d.device_type, d.device_index) == ("worker", 0, 3, "GPU", 1)


def test_merge_inner_fields_win():
    outer = tf.DeviceSpec.from_string("/job:ps/task:0/cpu:0")
    inner = tf.DeviceSpec.from_string("/task:1")
    assert outer.make_merged_spec(inner).to_string() == "/job:ps/task:1/device:CPU:0"
    outer.merge_from(tf.DeviceSpec(device_type="GPU", device_index=2))
    assert outer.to_string() == "/job:ps/task:0/device:GPU:2"


def test_bad_spec_is_a_value_error():
    with pytest.raises(ValueError, match="Unknown attribute: 'tpu:0'"):
        tf.DeviceSpec.from_string("/job:ps/tpu:0")
    with pytest.raises(ValueError, match="Unknown attribute"):
        tf.DeviceSpec.from_string("/task:x")
