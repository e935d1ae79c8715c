"""ClusterSpec and TF_CONFIG: values, printing and errors as TensorFlow 1.x gives them.

Every expected string below was recorded from TensorFlow (tf.compat.v1.train.ClusterSpec).
"""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

import teachflow as tf
from teachflow.distributed.cluster import ClusterSpec, cluster_from_tf_config
from teachflow.distributed.protocol import teachflow_pb2

DENSE = {"worker": ["w0:1", "w1:1", "w2:1"], "ps": ["p0:1", "p1:1"]}
SPARSE = {"worker": {1: "w1:1", 3: "w3:1"}, "ps": ["p0:1"]}


def test_public_name():
    assert tf.train.ClusterSpec is ClusterSpec


def test_dense_cluster_queries():
    c = ClusterSpec(DENSE)
    assert c.jobs == ["worker", "ps"]  # the order given, as TF
    assert c.num_tasks("worker") == 3 and c.num_tasks("ps") == 2
    assert c.task_indices("worker") == [0, 1, 2]
    assert c.task_address("ps", 1) == "p1:1"
    assert c.job_tasks("worker") == ["w0:1", "w1:1", "w2:1"]
    assert c.as_dict() == {"worker": ["w0:1", "w1:1", "w2:1"], "ps": ["p0:1", "p1:1"]}


def test_printing_sorts_jobs():
    c = ClusterSpec(DENSE)
    expected = "ClusterSpec({'ps': ['p0:1', 'p1:1'], 'worker': ['w0:1', 'w1:1', 'w2:1']})"
    assert repr(c) == expected and str(c) == expected
    assert repr(ClusterSpec({})) == "ClusterSpec({})"
    assert (
        repr(ClusterSpec({"b": ["x"], "a": {2: "y"}})) == "ClusterSpec({'a': {2: 'y'}, 'b': ['x']})"
    )


def test_sparse_jobs():
    c = ClusterSpec(SPARSE)
    assert repr(c) == "ClusterSpec({'ps': ['p0:1'], 'worker': {1: 'w1:1', 3: 'w3:1'}})"
    assert c.as_dict() == {"worker": {1: "w1:1", 3: "w3:1"}, "ps": ["p0:1"]}
    assert c.job_tasks("worker") == [None, "w1:1", None, "w3:1"]
    assert c.num_tasks("worker") == 2
    assert c.task_indices("worker") == [1, 3]
    # String indices (as JSON gives them) become ints.
    assert ClusterSpec({"worker": {"1": "x"}}).as_dict() == {"worker": {1: "x"}}


def test_tuples_and_empty_jobs():
    assert ClusterSpec({"worker": ("a", "b")}).as_dict() == {"worker": ["a", "b"]}
    assert ClusterSpec({"worker": ["a"], "ps": []}).as_dict() == {"worker": ["a"], "ps": {}}
    assert ClusterSpec({"worker": {}}).num_tasks("worker") == 0


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.num_tasks("x"),
        lambda c: c.task_indices("x"),
        lambda c: c.task_address("x", 0),
        lambda c: c.job_tasks("x"),
    ],
)
def test_unknown_job(call):
    with pytest.raises(ValueError, match=r"^No such job in cluster: 'x'$"):
        call(ClusterSpec(SPARSE))


def test_unknown_task():
    c = ClusterSpec(SPARSE)
    with pytest.raises(ValueError, match=r"^No task with index 5 in job 'worker'$"):
        c.task_address("worker", 5)
    with pytest.raises(ValueError, match=r"^No task with index 0 in job 'worker'$"):
        c.task_address("worker", 0)  # sparse: index 0 is not defined
    with pytest.raises(ValueError, match=r"^No task with index '1' in job 'worker'$"):
        ClusterSpec(DENSE).task_address("worker", "1")


@pytest.mark.parametrize("cluster", [["a"], None, "worker:a", 3])
def test_bad_cluster_type(cluster):
    with pytest.raises(TypeError, match="`cluster` must be a dictionary mapping one or more job"):
        ClusterSpec(cluster)


@pytest.mark.parametrize("tasks", ["w0", 3, None])
def test_bad_job_tasks(tasks):
    with pytest.raises(
        TypeError,
        match=r"The tasks for job 'worker' must be a list or a dictionary from integers",
    ):
        ClusterSpec({"worker": tasks})


def test_bad_names_and_addresses():
    with pytest.raises(TypeError, match=r"^Task address 1 must be bytes or unicode$"):
        ClusterSpec({"worker": [1, 2]})
    with pytest.raises(TypeError, match=r"^Task address None must be bytes or unicode$"):
        ClusterSpec({"worker": [None]})
    with pytest.raises(TypeError, match=r"^Job name 1 must be bytes or unicode$"):
        ClusterSpec({1: ["a"]})
    with pytest.raises(ValueError, match="invalid literal for int"):
        ClusterSpec({"worker": {"a": "x"}})


def test_bool():
    assert not ClusterSpec({})
    assert ClusterSpec(DENSE)


def test_equality_compares_tasks():
    c = ClusterSpec(DENSE)
    assert c == ClusterSpec(DENSE) and not (c != ClusterSpec(DENSE))
    assert c != ClusterSpec(SPARSE)
    # As in TF, a spec equals the {job: {index: address}} mapping, not the list form.
    assert ClusterSpec({"a": ["x"]}) == {"a": {0: "x"}}
    assert not (c == c.as_dict())
    assert not (c == 3)
    with pytest.raises(TypeError, match="unhashable"):
        hash(c)


def test_as_cluster_def():
    c = ClusterSpec(DENSE)
    cluster_def = c.as_cluster_def()
    assert isinstance(cluster_def, teachflow_pb2.ClusterDef)
    assert cluster_def is c.as_cluster_def()
    assert [j.name for j in cluster_def.job] == ["ps", "worker"]  # sorted, deterministic bytes
    assert dict(cluster_def.job[1].tasks) == {0: "w0:1", 1: "w1:1", 2: "w2:1"}
    expected_text = (
        'job {\n  name: "ps"\n  tasks {\n    key: 0\n    value: "p0:1"\n  }\n'
        '  tasks {\n    key: 1\n    value: "p1:1"\n  }\n}\n'
    )
    assert str(ClusterSpec({"ps": ["p0:1", "p1:1"]}).as_cluster_def()) == expected_text


def test_from_cluster_def_and_copy():
    c = ClusterSpec(SPARSE)
    from_def = ClusterSpec(c.as_cluster_def())
    assert from_def == c
    assert from_def.jobs == ["ps", "worker"]  # the ClusterDef's (sorted) order
    assert from_def.as_cluster_def() is c.as_cluster_def()  # a ClusterDef is kept, not copied
    copy = ClusterSpec(c)
    assert copy == c and copy.as_dict() == {"ps": ["p0:1"], "worker": {1: "w1:1", 3: "w3:1"}}
    assert copy.as_cluster_def() is not c.as_cluster_def()
    assert copy.as_cluster_def() == c.as_cluster_def()


def test_bytes_are_accepted():
    c = ClusterSpec({b"worker": [b"a:1"]})
    assert c.as_dict() == {b"worker": [b"a:1"]}
    assert c.as_cluster_def().job[0].name == "worker"
    assert c.as_cluster_def().job[0].tasks[0] == "a:1"


_addresses = st.lists(st.from_regex(r"[a-z]{1,8}:[0-9]{2,5}", fullmatch=True), max_size=4)


@given(st.dictionaries(st.sampled_from(["ps", "worker", "chief", "eval"]), _addresses))
def test_round_trip_through_cluster_def(jobs):
    c = ClusterSpec(jobs)
    again = ClusterSpec(teachflow_pb2.ClusterDef.FromString(c.as_cluster_def().SerializeToString()))
    assert again == c
    assert again.as_dict() == {job: addrs if addrs else {} for job, addrs in jobs.items()}


# -- TF_CONFIG -----------------------------------------------------------------------------
def _env(config):
    return {"TF_CONFIG": config if isinstance(config, str) else json.dumps(config)}


def test_tf_config_worker():
    env = _env({"cluster": DENSE, "task": {"type": "worker", "index": 2}})
    cluster, job, index = cluster_from_tf_config(env)
    assert cluster == ClusterSpec(DENSE)
    assert (job, index) == ("worker", 2)
    assert ClusterSpec.from_tf_config(env) == (cluster, "worker", 2)


def test_tf_config_from_os_environ(monkeypatch):
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": DENSE, "task": {"type": "ps"}}))
    cluster, job, index = ClusterSpec.from_tf_config()
    assert cluster.jobs == ["worker", "ps"] and (job, index) == ("ps", 0)
    monkeypatch.delenv("TF_CONFIG")
    assert cluster_from_tf_config() == (ClusterSpec({}), None, None)


def test_tf_config_sparse_job_keys_are_strings_in_json():
    env = _env(
        {
            "cluster": {"worker": {"1": "w1:1"}, "ps": ["p0:1"]},
            "task": {"type": "worker", "index": 1},
        }
    )
    cluster, job, index = cluster_from_tf_config(env)
    assert cluster.as_dict() == {"worker": {1: "w1:1"}, "ps": ["p0:1"]}
    assert (job, index) == ("worker", 1)


def test_tf_config_without_task():
    cluster, job, index = cluster_from_tf_config(_env({"cluster": DENSE}))
    assert cluster == ClusterSpec(DENSE) and job is None and index is None
    assert cluster_from_tf_config({"TF_CONFIG": "  "}) == (ClusterSpec({}), None, None)


@pytest.mark.parametrize(
    "text, words",
    [
        ('{"cluster": ', "TF_CONFIG is not valid JSON"),
        ("[1, 2]", "TF_CONFIG must be a JSON object"),
        ('{"cluster": {"worker": "w0:1"}}', "TF_CONFIG has a malformed 'cluster'"),
        ('{"cluster": {}, "task": "worker"}', "'task' must be an object"),
        (
            '{"cluster": {"worker": ["a"]}, "task": {"type": "worker", "index": "x"}}',
            "must be an integer",
        ),
    ],
)
def test_tf_config_malformed(text, words):
    with pytest.raises(ValueError, match=words):
        cluster_from_tf_config(_env(text))


def test_tf_config_task_not_in_cluster():
    with pytest.raises(ValueError, match=r"no job 'chief' \(jobs: \['worker', 'ps'\]\)"):
        cluster_from_tf_config(_env({"cluster": DENSE, "task": {"type": "chief", "index": 0}}))
    with pytest.raises(ValueError, match=r"job 'worker' has task indices \[0, 1, 2\]"):
        cluster_from_tf_config(_env({"cluster": DENSE, "task": {"type": "worker", "index": 3}}))
