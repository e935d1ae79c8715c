"""The hardware profiles, under their first address: they live in
`teachflow.runtime.hardware_profiles`, below the runtime whose simulated devices read them;
the virtual-time model here above the runtime reads them too.

    >>> from teachflow.sim.profiles import get_profile
    >>> get_profile("v100").name
    'Tesla V100'
"""

from teachflow.runtime.hardware_profiles import (
    CPU_PROFILES,
    DEFAULT_CPU_LANES,
    DEFAULT_CPU_PROFILE,
    DEFAULT_NETWORK,
    DEFAULT_PROFILE,
    NETWORKS,
    PROFILES,
    GiB,
    HardwareProfile,
    MiB,
    NetworkProfile,
    get_cpu_profile,
    get_network,
    get_profile,
)

__all__ = [
    "CPU_PROFILES",
    "DEFAULT_CPU_LANES",
    "DEFAULT_CPU_PROFILE",
    "DEFAULT_NETWORK",
    "DEFAULT_PROFILE",
    "NETWORKS",
    "PROFILES",
    "GiB",
    "HardwareProfile",
    "MiB",
    "NetworkProfile",
    "get_cpu_profile",
    "get_network",
    "get_profile",
]
