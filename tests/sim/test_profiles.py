"""Hardware profiles: the GPU table, the host CPU and the cluster's network."""

import pytest

from teachflow.sim import (
    CPU_PROFILES,
    NETWORKS,
    PROFILES,
    get_cpu_profile,
    get_network,
    get_profile,
)


def test_the_gpu_table_is_unchanged():
    k80 = get_profile("k80")
    assert (k80.name, k80.flops, k80.memory_bandwidth) == ("Tesla K80", 4.1e12, 240e9)
    assert (k80.host_link_bandwidth, k80.peer_link_bandwidth, k80.launch_overhead_s) == (
        12e9,
        12e9,
        10e-6,
    )
    assert sorted(PROFILES) == ["a100", "k80", "p100", "teaching", "v100"]


def test_the_host_cpu_is_a_profile_apart_from_the_gpus():
    cpu = get_cpu_profile(None)
    assert cpu.key == "host-cpu" and cpu is CPU_PROFILES["host-cpu"]
    assert 100e9 <= cpu.flops <= 1e12  # a few hundred GFLOP/s
    assert cpu.memory_bandwidth == 20e9
    assert "host-cpu" not in PROFILES  # never a simulated GPU's profile
    assert get_cpu_profile("LAPTOP-CPU").key == "laptop-cpu"


def test_the_default_network_is_10_gigabit_ethernet_with_a_latency():
    net = get_network(None)
    assert net.key == "10gbe" and net.bandwidth == 1.25e9 and net.latency_s > 0
    assert set(NETWORKS) >= {"1gbe", "10gbe", "infiniband"}
    assert get_network("1gbe").bandwidth == 0.125e9


@pytest.mark.parametrize(
    "lookup, word",
    [(get_cpu_profile, "CPU profile"), (get_network, "network"), (get_profile, "GPU profile")],
)
def test_unknown_keys_name_the_choices(lookup, word):
    with pytest.raises(ValueError, match=f"Unknown simulated {word} 'nope'; choose one of"):
        lookup("nope")
