"""Security defaults: loopback binding, the shared token, TLS."""

import shutil
import socket
import subprocess

import pytest

import teachflow as tf

pytestmark = pytest.mark.timeout(60)
QUICK = tf.ConfigProto(operation_timeout_in_ms=3000)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def single_server(monkeypatch):
    servers = []

    def start(**kwargs):
        server = tf.train.Server({"worker": [f"localhost:{_free_port()}"]}, "worker", 0, **kwargs)
        servers.append(server)
        return server

    yield start
    for s in servers:
        s.stop()


def test_server_binds_loopback_by_default(single_server):
    server = single_server()
    port = int(server.target.rsplit(":", 1)[1])
    # Reachable on 127.0.0.1 ...
    with socket.create_connection(("127.0.0.1", port), timeout=5):
        pass
    # ... and not on another local address, when the machine has one.
    other = socket.gethostbyname(socket.gethostname())
    if other.startswith("127."):
        pytest.skip("no non-loopback address on this machine")
    with pytest.raises(OSError):
        socket.create_connection((other, port), timeout=2).close()


def test_token_is_required_when_set(single_server, monkeypatch):
    server = single_server(token="s3cret")
    c = tf.constant(1.0) * 3
    with tf.Session(server.target, config=QUICK) as sess:
        with pytest.raises(tf.errors.UnauthenticatedError, match="cluster token"):
            sess.run(c)
    monkeypatch.setenv("TEACHFLOW_CLUSTER_TOKEN", "s3cret")
    with tf.Session(server.target, config=QUICK) as sess:
        assert sess.run(c) == 3.0


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_tls(single_server, monkeypatch, tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    monkeypatch.setenv("TEACHFLOW_TLS_CERT", str(cert))
    monkeypatch.setenv("TEACHFLOW_TLS_KEY", str(key))
    server = single_server()
    c = tf.constant(2.0) * 3
    with tf.Session(server.target, config=QUICK) as sess:  # no CA: a plain client
        with pytest.raises(tf.errors.UnavailableError):
            sess.run(c)
    monkeypatch.setenv("TEACHFLOW_TLS_CA", str(cert))
    with tf.Session(server.target, config=QUICK) as sess:
        assert sess.run(c) == 6.0
