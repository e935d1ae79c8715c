"""Many processes: the gRPC cluster (servers, master and worker services, remote sessions)."""

from teachflow.distributed import grpc_session  # noqa: F401 - registers "grpc://" sessions
from teachflow.distributed.cluster import ClusterSpec
from teachflow.distributed.server import Server

__all__ = ["ClusterSpec", "Server"]
