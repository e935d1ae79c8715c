"""CRC-32C: the lanes numpy advances together give the byte loop's answer, for any length
and any starting CRC."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from teachflow.proto import crc32c


def reference(crc, data):
    return crc32c._update(crc ^ 0xFFFFFFFF, data) ^ 0xFFFFFFFF


@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    extra=st.integers(0, 3 * crc32c.LANE_BYTES),
    lanes=st.integers(0, 3),
    start=st.integers(0, 0xFFFFFFFF),
    seed=st.integers(0, 2**16),
)
def test_lanes_equal_the_byte_loop(extra, lanes, start, seed):
    n = crc32c.VECTOR_BYTES + lanes * crc32c.LANE_BYTES + extra
    data = np.random.default_rng(seed).integers(0, 256, n, dtype=np.uint8).tobytes()
    assert crc32c.extend(start, data) == reference(start, data)


def test_check_values_and_chaining_across_the_threshold():
    assert crc32c.value(b"123456789") == 0xE3069283
    data = bytes(range(256)) * 1000  # 256,000 bytes: the lanes' path
    whole = crc32c.value(data)
    assert whole == reference(0, data)
    for cut in (0, 1, crc32c.VECTOR_BYTES - 1, crc32c.VECTOR_BYTES + 5, len(data)):
        assert crc32c.extend(crc32c.value(data[:cut]), data[cut:]) == whole


def test_memoryviews_and_numpy_buffers_are_bytes():
    array = np.arange(20000, dtype=np.float32)
    assert crc32c.value(memoryview(array)) == crc32c.value(array.tobytes())
