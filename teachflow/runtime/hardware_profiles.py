"""Hardware profiles for simulated GPUs, the host CPU and the network: tables, not code.

A simulated GPU computes with numpy on the host, but it has the name, the memory and the
speeds of a real card, so a laptop can show what a 4- or 8-GPU server would do: which ops
fit in memory, and (in virtual time, `teachflow.sim.virtual_time`) how long compute and
transfers would take. The host's CPU has a profile too, so that a whole step's timeline is
virtual, and tasks of a cluster talk over a network link with a bandwidth and a latency.

    >>> from teachflow.sim import get_profile
    >>> p = get_profile("k80")
    >>> p.memory_bytes // 2**20, p.name
    (11441, 'Tesla K80')
    >>> from teachflow.sim.profiles import get_network
    >>> get_network(None).bandwidth / 1e9      # 10 Gigabit Ethernet, in GB/s
    1.25
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


# The host's CPU, for the virtual-time model: a server socket of the chapter's era with its
# intra-op threads (each op uses the whole socket; see teachflow.sim.cost_model). Its links
# are the host's memory: a copy between two CPU devices of one task is a memcpy.
CPU_PROFILES = {
    p.key: p
    for p in (
        HardwareProfile(
            "host-cpu", "Host CPU (2 x 8 cores)", 64 * GiB, 300e9, 20e9, 20e9, 20e9, 2e-6, ""
        ),
        HardwareProfile(
            "laptop-cpu", "Laptop CPU (4 cores)", 16 * GiB, 100e9, 15e9, 15e9, 15e9, 2e-6, ""
        ),
    )
}
DEFAULT_CPU_PROFILE = "host-cpu"
# The inter-op pool of a simulated host when the session's config does not set one
# (TensorFlow would use the machine's core count, which differs between laptops).
DEFAULT_CPU_LANES = 4


def get_cpu_profile(key: str | None) -> HardwareProfile:
    """The host CPU profile ``key`` (``"host-cpu"`` by default, or ``"laptop-cpu"``)."""
    key = (key or DEFAULT_CPU_PROFILE).lower()
    try:
        return CPU_PROFILES[key]
    except KeyError:
        raise ValueError(
            f"Unknown simulated CPU profile {key!r}; choose one of {sorted(CPU_PROFILES)}"
        ) from None


@dataclass(frozen=True)
class NetworkProfile:
    """The link between the machines of a cluster: every tensor sent from one task to another
    costs ``latency_s + nbytes / bandwidth``."""

    key: str
    name: str
    bandwidth: float  # bytes/s, one direction
    latency_s: float  # one message, end to end (the network stack and gRPC included)


NETWORKS = {
    n.key: n
    for n in (
        NetworkProfile("1gbe", "Gigabit Ethernet", 0.125e9, 100e-6),
        NetworkProfile("10gbe", "10 Gigabit Ethernet", 1.25e9, 50e-6),
        NetworkProfile("25gbe", "25 Gigabit Ethernet", 3.125e9, 30e-6),
        NetworkProfile("infiniband", "InfiniBand EDR (100 Gb/s)", 12.5e9, 5e-6),
    )
}
DEFAULT_NETWORK = "10gbe"  # the common data-centre link of the chapter's era


def get_network(key: str | None) -> NetworkProfile:
    """The network profile ``key`` (``"10gbe"`` by default)."""
    key = (key or DEFAULT_NETWORK).lower()
    try:
        return NETWORKS[key]
    except KeyError:
        raise ValueError(
            f"Unknown simulated network {key!r}; choose one of {sorted(NETWORKS)}"
        ) from None
