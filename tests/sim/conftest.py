"""The distributed tests' fixtures: clusters of in-process servers, always stopped."""

from tests.distributed.conftest import cluster, session_config  # noqa: F401
