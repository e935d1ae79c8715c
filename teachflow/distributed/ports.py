"""Free loopback ports for a cluster, and starting servers on them without a race.

Every server of a cluster must know every address before any of them starts, so the
ports are chosen first: bind port 0, read the port the operating system chose, close.
Between that moment and the server's own bind, anything else on the machine may take
the port — another test, or simply an outgoing TCP connection, whose local port comes
from the same ephemeral range. `start_servers` therefore retries with fresh ports when a
bind fails, stopping the servers it had already started.

    >>> import teachflow as tf
    >>> spec, servers = start_servers({"worker": 1}, lambda spec, job, i: tf.train.Server(spec, job, i))
    >>> sorted(spec)
    ['worker']
    >>> servers["worker"][0].stop()
"""

from __future__ import annotations

import socket
from collections.abc import Callable

__all__ = ["free_port", "free_ports", "start_servers"]

# A bind fails only when another socket took the port in the instant between choosing
# and binding; five fresh sets of ports make a failure all but impossible.
DEFAULT_ATTEMPTS = 5


def free_port(host: str = "127.0.0.1") -> int:
    """A port that was free a moment ago: bind port 0, read the port the OS chose, close.

    Another socket may take it before our server binds it; `start_servers` and
    `LocalCluster` retry then.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def free_ports(n: int, host: str = "127.0.0.1") -> list[int]:
    """``n`` distinct ports that were free a moment ago (each socket is held until all are
    chosen, so the OS cannot hand out one port twice)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            socks.append(s)
            s.bind((host, 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def start_servers(
    jobs: dict,
    make_server: Callable,
    *,
    host: str = "127.0.0.1",
    attempts: int = DEFAULT_ATTEMPTS,
):
    """Choose ports for ``jobs`` (``{"ps": 1, "worker": 2}``) and start every task.

    ``make_server(spec, job, index)`` starts one task and returns it (anything with a
    ``stop()``), or None for a task that is meant to stay down. ``spec`` maps each job to
    its ``"host:port"`` addresses, in order. When a bind fails (`OSError`) every server
    started so far is stopped and all ports are chosen afresh, at most ``attempts`` times;
    any other error stops the started servers and propagates.

    Returns ``(spec, servers)`` with ``servers`` mapping each job to its list of tasks.
    """
    counts = {job: int(n) for job, n in jobs.items() if n}
    for attempt in range(attempts):
        ports = iter(free_ports(sum(counts.values())))
        spec = {job: [f"{host}:{next(ports)}" for _ in range(n)] for job, n in counts.items()}
        servers = {job: [] for job in spec}
        try:
            for job, addresses in spec.items():
                for index in range(len(addresses)):
                    servers[job].append(make_server(spec, job, index))
        except OSError:
            _stop_all(servers)
            if attempt == attempts - 1:
                raise
            continue
        except BaseException:
            _stop_all(servers)
            raise
        return spec, servers
    raise AssertionError("unreachable")


def _stop_all(servers: dict) -> None:
    for started in servers.values():
        for server in started:
            if server is not None:
                server.stop()
