"""The virtual-time tests' helpers, and the distributed tests' fixtures: clusters of
in-process servers, always stopped."""

from tests.distributed.conftest import cluster, session_config  # noqa: F401


def spans(vt, kind="op"):
    """node (ops) or (tensor, dst device) (transfers) -> event."""
    if kind == "op":
        return {e.node: e for e in vt if e.kind == "op"}
    return {(e.tensor, e.dst_device): e for e in vt if e.kind == "transfer"}
