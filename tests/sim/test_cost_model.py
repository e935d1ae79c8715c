"""The roofline cost of ops and the cost of transfers, formula by formula."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from teachflow.sim import get_cpu_profile, get_network, get_profile
from teachflow.sim.cost_model import (
    HOST_DISPATCH_S,
    TensorSpec,
    link_between,
    op_bytes,
    op_cost,
    op_flops,
)

K80 = get_profile("k80")
V100 = get_profile("v100")
CPU = get_cpu_profile("host-cpu")
NET = get_network("10gbe")
TASK0 = "/job:worker/replica:0/task:0"
TASK1 = "/job:worker/replica:0/task:1"


def f32(*shape):
    return TensorSpec.of(shape, 4)


dims = st.integers(1, 64)


@given(dims, dims, dims)
def test_matmul_flops_are_2mnk(m, n, k):
    assert op_flops("MatMul", [f32(m, k), f32(k, n)], [f32(m, n)]) == 2 * m * n * k
    # transposed operands contract over their other dimension
    flops = op_flops(
        "MatMul",
        [f32(k, m), f32(n, k)],
        [f32(m, n)],
        {"transpose_a": True, "transpose_b": True},
    )
    assert flops == 2 * m * n * k


@given(dims, dims, dims)
def test_matmul_flops_from_element_counts_alone(m, n, k):
    """A shape lost to a flat vector still gives 2mnk: k = sqrt(|a| |b| / |out|)."""
    flat = op_flops("MatMul", [f32(m * k), f32(k * n)], [f32(m * n)])
    assert math.isclose(flat, 2 * m * n * k, rel_tol=1e-9)


def test_batch_matmul_counts_every_matrix_of_the_batch():
    a, b, out = f32(8, 32, 64), f32(8, 64, 16), f32(8, 32, 16)
    assert op_flops("BatchMatMulV2", [a, b], [out]) == 8 * 2 * 32 * 16 * 64
    a_t = f32(8, 64, 32)
    assert op_flops("BatchMatMulV2", [a_t, b], [out], {"adj_x": True}) == 8 * 2 * 32 * 16 * 64


def test_conv2d_counts_two_flops_per_output_element_per_filter_tap():
    image, filt, out = f32(16, 32, 32, 3), f32(5, 5, 3, 64), f32(16, 32, 32, 64)
    taps = 5 * 5 * 3
    assert op_flops("Conv2D", [image, filt], [out]) == 2 * out.elements * taps
    sizes = TensorSpec.of((4,), 4)
    assert op_flops("Conv2DBackpropInput", [sizes, filt, out], [image]) == 2 * out.elements * taps
    assert op_flops("Conv2DBackpropFilter", [image, sizes, out], [filt]) == 2 * out.elements * taps


@pytest.mark.parametrize(
    "op_type, per_element, basis",
    [
        ("AddV2", 1, "out"),
        ("Mul", 1, "out"),
        ("Relu", 1, "out"),
        ("Exp", 4, "out"),
        ("Tanh", 4, "out"),
        ("Fill", 0, "out"),
        ("Transpose", 0, "out"),
        ("Sum", 1, "in"),
        ("Mean", 1, "in"),
        ("Softmax", 5, "in"),
        ("SoftmaxCrossEntropyWithLogits", 8, "in"),
        ("ApplyGradientDescent", 2, "in"),
        ("ApplyAdam", 12, "in"),
    ],
)
def test_per_element_flops(op_type, per_element, basis):
    big, small = f32(100, 10), f32(100)
    inputs, outputs = ([big, small], [small]) if basis == "in" else ([big, big], [big])
    expected = per_element * big.elements  # the big input, or the big output
    assert op_flops(op_type, inputs, outputs) == expected


def test_add_n_adds_n_minus_one_times_per_element():
    x = f32(10, 10)
    assert op_flops("AddN", [x, x, x, x], [x]) == 3 * 100


def test_bytes_are_inputs_plus_outputs_and_bookkeeping_moves_none():
    a, b = f32(100, 100), f32(100)
    assert op_bytes("AddV2", [a, b], [a]) == 40_000 + 400 + 40_000
    for op_type in ("Identity", "Const", "NoOp", "VariableV2", "Reshape", "Shape"):
        assert op_bytes(op_type, [a], [a]) == 0
        cost = op_cost(op_type, [a], [a], K80)
        assert cost.seconds == HOST_DISPATCH_S and cost.bound == "launch"


def test_roofline_a_big_matmul_is_compute_bound():
    x = f32(4096, 4096)
    cost = op_cost("MatMul", [x, x], [x], K80)
    assert cost.bound == "compute"
    assert cost.compute_s == 2 * 4096**3 / K80.flops
    assert cost.memory_s == 3 * 4096 * 4096 * 4 / K80.memory_bandwidth
    assert cost.seconds == cost.compute_s + K80.launch_overhead_s
    # a faster card is faster by the ratio of their FLOP rates
    fast = op_cost("MatMul", [x, x], [x], V100)
    assert math.isclose(fast.compute_s / cost.compute_s, K80.flops / V100.flops)


def test_roofline_an_elementwise_add_is_memory_bound():
    x = f32(1024, 1024)
    cost = op_cost("AddV2", [x, x], [x], K80)
    assert cost.bound == "memory"
    assert cost.seconds == 3 * x.nbytes / K80.memory_bandwidth + K80.launch_overhead_s
    tiny = op_cost("AddV2", [f32(), f32()], [f32()], K80)
    assert tiny.bound == "launch"


def test_the_same_op_on_the_cpu_uses_the_cpu_profile():
    x = f32(1024, 1024)
    assert op_cost("AddV2", [x, x], [x], CPU).memory_s == 3 * x.nbytes / CPU.memory_bandwidth


@given(st.integers(0, 1 << 30))
def test_transfer_time_is_latency_plus_bytes_over_bandwidth(nbytes):
    gpu0 = f"{TASK0}/device:GPU:0"
    cpu0 = f"{TASK0}/device:CPU:0"
    pcie = link_between(cpu0, gpu0, CPU, K80, NET)
    assert (pcie.kind, pcie.bandwidth) == ("pcie", K80.host_link_bandwidth)
    assert pcie.seconds(nbytes) == K80.launch_overhead_s + nbytes / 12e9
    net = link_between(cpu0, f"{TASK1}/device:CPU:0", CPU, CPU, NET)
    assert (net.kind, net.bandwidth) == ("network", 1.25e9)
    assert net.seconds(nbytes) == NET.latency_s + nbytes / 1.25e9


def test_which_link_a_tensor_crosses():
    gpu = [f"{TASK0}/device:GPU:{i}" for i in range(2)]
    cpu = [f"{TASK0}/device:CPU:{i}" for i in range(2)]
    assert link_between(gpu[0], cpu[0], K80, CPU, NET).kind == "pcie"  # device to host
    peer = link_between(gpu[0], gpu[1], K80, V100, NET)
    assert peer.kind == "peer" and peer.bandwidth == 12e9  # the slower card's link
    host = link_between(cpu[0], cpu[1], CPU, CPU, NET)
    assert host.kind == "host" and host.bandwidth == CPU.memory_bandwidth
    # between tasks even GPU to GPU goes over the network
    assert link_between(gpu[0], f"{TASK1}/device:GPU:0", K80, K80, NET).kind == "network"
    # 64 MiB over 10 GbE: about 54 ms, against 5.6 ms over PCIe
    assert (
        round(link_between(cpu[0], f"{TASK1}/device:CPU:0", CPU, CPU, NET).seconds(64 << 20) * 1e3)
        == 54
    )
