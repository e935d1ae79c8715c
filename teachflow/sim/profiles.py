"""Hardware profiles for simulated GPUs: a table, not code.

A simulated GPU computes with numpy on the host, but it has the name, the memory and the
speeds of a real card, so a laptop can show what a 4- or 8-GPU server would do: which ops
fit in memory, and (in virtual time) how long compute and transfers would take.

    >>> from teachflow.sim import get_profile
    >>> p = get_profile("k80")
    >>> p.memory_bytes // 2**20, p.name
    (11441, 'Tesla K80')
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HardwareProfile:
    key: str
    name: str
    memory_bytes: int
    flops: float  # sustained float32 FLOP/s
    memory_bandwidth: float  # device memory, bytes/s
    host_link_bandwidth: float  # PCIe to the host, bytes/s
    peer_link_bandwidth: float  # GPU to GPU in one server, bytes/s
    launch_overhead_s: float  # fixed cost of one kernel launch
    compute_capability: str


GiB = 2**30
MiB = 2**20

# Figures are rounded public specifications; they set the *relative* costs that the
# virtual-time model shows, not a promise about any particular card.
PROFILES = {
    p.key: p
    for p in (
        HardwareProfile("k80", "Tesla K80", 11441 * MiB, 4.1e12, 240e9, 12e9, 12e9, 10e-6, "3.7"),
        HardwareProfile("p100", "Tesla P100", 16 * GiB, 9.3e12, 732e9, 12e9, 40e9, 6e-6, "6.0"),
        HardwareProfile("v100", "Tesla V100", 16 * GiB, 14e12, 900e9, 12e9, 150e9, 5e-6, "7.0"),
        HardwareProfile("a100", "A100", 40 * GiB, 19.5e12, 1555e9, 25e9, 300e9, 4e-6, "8.0"),
        # A small card for lessons: out-of-memory errors are easy to reach on purpose.
        HardwareProfile(
            "teaching", "teachflow Teaching GPU", 256 * MiB, 1e12, 100e9, 8e9, 8e9, 10e-6, "0.0"
        ),
    )
}

DEFAULT_PROFILE = "k80"  # the card of the chapter's era


def get_profile(key: str | None) -> HardwareProfile:
    key = (key or DEFAULT_PROFILE).lower()
    try:
        return PROFILES[key]
    except KeyError:
        raise ValueError(
            f"Unknown simulated GPU profile {key!r}; choose one of {sorted(PROFILES)}"
        ) from None
