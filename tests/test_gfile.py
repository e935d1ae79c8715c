"""tf.gfile on local paths: TF's answers for existing and missing paths (TF 2.21's words)."""

import pytest

import teachflow as tf


def test_make_list_walk_and_delete_a_tree(tmp_path):
    root = str(tmp_path / "logs")
    assert not tf.gfile.Exists(root)
    tf.gfile.MakeDirs(root + "/train")
    tf.gfile.MakeDirs(root + "/train")  # existing: fine
    tf.gfile.MkDir(root + "/test")
    tf.gfile.MkDir(root + "/test")  # existing: fine, as in TF 2
    with tf.gfile.GFile(root + "/train/notes.txt", "w") as f:
        f.write("hi")
    assert tf.gfile.ListDirectory(root) == ["test", "train"]
    assert tf.gfile.IsDirectory(root + "/train") and tf.gfile.Exists(root + "/train/notes.txt")
    assert tf.gfile.Glob(root + "/*") == [root + "/test", root + "/train"]
    assert list(tf.gfile.Walk(root)) == [
        (root, ["test", "train"], []),
        (root + "/test", [], []),
        (root + "/train", [], ["notes.txt"]),
    ]
    assert tf.gfile.Stat(root + "/train/notes.txt").length == 2
    with tf.gfile.GFile(root + "/train/notes.txt") as f:
        assert f.read() == "hi"
    tf.gfile.DeleteRecursively(root)
    assert not tf.gfile.Exists(root)


def test_copy_and_rename_need_overwrite_onto_an_existing_file(tmp_path):
    a, b = str(tmp_path / "a"), str(tmp_path / "b")
    for path in (a, b):
        with tf.gfile.Open(path, "w") as f:
            f.write(path)
    with pytest.raises(tf.errors.AlreadyExistsError, match="file already exists"):
        tf.gfile.Copy(a, b)
    with pytest.raises(tf.errors.AlreadyExistsError, match="file already exists"):
        tf.gfile.Rename(a, b)
    tf.gfile.Copy(a, b, overwrite=True)
    tf.gfile.Rename(a, str(tmp_path / "c"))
    assert tf.gfile.ListDirectory(str(tmp_path)) == ["b", "c"]
    tf.gfile.Remove(b)
    assert tf.gfile.ListDirectory(str(tmp_path)) == ["c"]


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda p: tf.gfile.DeleteRecursively(p), "{p} not found"),
        (lambda p: tf.gfile.Remove(p), "{p}; No such file or directory"),
        (lambda p: tf.gfile.ListDirectory(p), "Could not find directory {p}"),
        (lambda p: tf.gfile.Stat(p), "{p}; No such file or directory"),
        (lambda p: tf.gfile.Copy(p, p + "2"), "{p}; No such file or directory"),
        (lambda p: tf.gfile.GFile(p).read(), "{p}; No such file or directory"),
    ],
)
def test_a_missing_path_is_not_found(tmp_path, call, words):
    path = str(tmp_path / "nope")
    with pytest.raises(tf.errors.NotFoundError) as raised:
        call(path)
    assert raised.value.message == words.format(p=path)


def test_make_dirs_under_a_file_is_failed_precondition(tmp_path):
    path = str(tmp_path / "f")
    with tf.gfile.GFile(path, "w") as f:
        f.write("x")
    with pytest.raises(tf.errors.FailedPreconditionError, match="is not a directory"):
        tf.gfile.MakeDirs(path + "/x")
