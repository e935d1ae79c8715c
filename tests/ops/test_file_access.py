"""A server's file root: its file ops reach only files under one directory.

Each file op (ReadFile, WriteFile, MatchingFiles, the readers and file datasets,
SaveV2/RestoreV2/MergeV2Checkpoints) asks `file_access.confine` first; the server sets the
root for the steps it runs. Outside it: PermissionDeniedError naming the path and the root.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import teachflow as tf
from teachflow.ops import file_access

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def rooted(tmp_path):
    """(server confined to tmp/root, the root, a directory outside it)."""
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text("top secret\n")
    (root / "data.txt").write_text("a\nb\n")
    server = tf.train.Server({"localhost": ["localhost:0"]}, file_root=str(root))
    yield server, os.path.realpath(root), outside
    server.stop()


def _session(server):
    return tf.Session(server.target, config=tf.ConfigProto(operation_timeout_in_ms=10000))


def _refused(sess, fetch, path, root):
    with pytest.raises(tf.errors.PermissionDeniedError) as info:
        sess.run(fetch)
    assert str(path) in info.value.message and root in info.value.message
    assert "file root" in info.value.message


def test_read_write_and_match_inside_the_root_work(rooted):
    server, root, _ = rooted
    inside = os.path.join(root, "sub", "out.bin")
    with _session(server) as sess:
        sess.run(tf.io.write_file(inside, b"hello"))
        assert sess.run(tf.io.read_file(inside)) == b"hello"
        found = sess.run(tf.io.matching_files(os.path.join(root, "*.txt")))
    assert list(found) == [os.path.join(root, "data.txt").encode()]


def test_file_ops_outside_the_root_are_permission_denied(rooted):
    server, root, outside = rooted
    secret = outside / "secret.txt"
    escape = os.path.join(root, "..", "outside", "secret.txt")
    with _session(server) as sess:
        _refused(sess, tf.io.read_file(str(secret)), secret, root)
        _refused(sess, tf.io.read_file(escape), escape, root)
        _refused(sess, tf.io.write_file(str(outside / "new.txt"), b"x"), outside, root)
        _refused(sess, tf.io.matching_files(str(outside / "*")), outside, root)
        # A reader takes its file names from a queue: each one is checked as it opens.
        names = tf.FIFOQueue(2, tf.string)
        sess.run(names.enqueue([str(secret)]))
        _refused(sess, tf.TextLineReader().read(names)[1], secret, root)
    assert not (outside / "new.txt").exists()


def test_a_symbolic_link_inside_the_root_to_outside_is_refused(rooted):
    server, root, outside = rooted
    link = os.path.join(root, "link.txt")
    os.symlink(outside / "secret.txt", link)
    with _session(server) as sess:
        _refused(sess, tf.io.read_file(link), link, root)
        found = sess.run(tf.io.matching_files(os.path.join(root, "*.txt")))
    assert list(found) == [os.path.join(root, "data.txt").encode()]  # the link is left out


def test_checkpoints_save_and_restore_only_under_the_root(rooted):
    server, root, outside = rooted
    v = tf.Variable([1.0, 2.0], name="v")
    saver = tf.train.Saver([v])
    with _session(server) as sess:
        sess.run(v.initializer)
        prefix = saver.save(sess, os.path.join(root, "ckpt", "model"))
        sess.run(v.assign([0.0, 0.0]))
        saver.restore(sess, prefix)
        np.testing.assert_array_equal(sess.run(v), [1.0, 2.0])
        with pytest.raises(tf.errors.PermissionDeniedError, match="file root"):
            saver.save(sess, str(outside / "model"))
    assert not list(outside.glob("model*"))


def test_a_local_session_and_a_server_without_root_are_not_confined(tmp_path):
    path = tmp_path / "free.txt"
    path.write_bytes(b"free")
    with tf.Session() as sess:
        assert sess.run(tf.io.read_file(str(path))) == b"free"
    assert file_access.current_root.get() is None


def test_a_root_that_is_not_a_directory_is_refused(tmp_path):
    with pytest.raises(ValueError, match="not a directory"):
        tf.train.Server({"localhost": ["localhost:0"]}, file_root=str(tmp_path / "missing"))
