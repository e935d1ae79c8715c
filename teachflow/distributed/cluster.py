"""`ClusterSpec`: the jobs of a cluster and the network address of every task in them.

A distributed TensorFlow program runs as a set of *tasks* (processes), grouped into named
*jobs*: typically a ``"ps"`` job whose tasks hold the variables and a ``"worker"`` job whose
tasks compute. Every task is given the same cluster description, so each one knows where to
reach all the others; a device name such as ``/job:ps/task:1`` is resolved through it.

    >>> import teachflow as tf
    >>> cluster = tf.train.ClusterSpec({"ps": ["localhost:2222"],
    ...                                 "worker": ["localhost:2223", "localhost:2224"]})
    >>> cluster.jobs, cluster.num_tasks("worker"), cluster.task_address("worker", 1)
    (['ps', 'worker'], 2, 'localhost:2224')

A job may also be *sparse*, a dict ``{task_index: address}``, so that a worker needs to know
only itself and the parameter servers:

    >>> tf.train.ClusterSpec({"worker": {1: "w1:2222"}}).job_tasks("worker")
    [None, 'w1:2222']

Launchers pass the cluster to each process in the ``TF_CONFIG`` environment variable; see
`cluster_from_tf_config`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping

__all__ = ["ClusterSpec", "cluster_from_tf_config"]

TF_CONFIG = "TF_CONFIG"


def _cluster_pb2():
    # The protobuf module is imported on first use: a local Session never needs it, and
    # `import teachflow` stays quick.
    from teachflow.distributed.protocol import teachflow_pb2

    return teachflow_pb2


def _as_text(value, what):
    # TF accepts bytes or str for job names and addresses (compat.as_bytes) and nothing else.
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, str):
        return value
    raise TypeError(f"{what} {value!r} must be bytes or unicode")


class ClusterSpec:
    """A cluster as a set of tasks organised into jobs: ``{job: [address, ...]}``.

    Built from a dict ``{job_name: [address, ...]}`` (dense task indices 0, 1, ...), a dict
    ``{job_name: {task_index: address}}`` (sparse), another ``ClusterSpec`` or a
    ``ClusterDef`` protocol buffer.

        >>> import teachflow as tf
        >>> c = tf.train.ClusterSpec({"worker": ["w0:2222", "w1:2222"], "ps": ["p0:2222"]})
        >>> c
        ClusterSpec({'ps': ['p0:2222'], 'worker': ['w0:2222', 'w1:2222']})
        >>> c.as_cluster_def().job[0].name
        'ps'

    Raises:
      TypeError: if ``cluster`` is none of those, a job's tasks are neither a list nor a dict,
        or a job name or address is not a string.
      ValueError: if a sparse task index is not an integer.
    """

    def __init__(self, cluster):
        if isinstance(cluster, dict):
            self._cluster_spec = {}
            for job_name, tasks in cluster.items():
                if isinstance(tasks, (list, tuple)):
                    job_tasks = dict(enumerate(tasks))
                elif isinstance(tasks, dict):
                    job_tasks = {int(i): task for i, task in tasks.items()}
                else:
                    raise TypeError(
                        f"The tasks for job {job_name!r} must be a list or a dictionary "
                        "from integers to strings."
                    )
                self._cluster_spec[job_name] = job_tasks
            self._cluster_def = self._make_cluster_def()
        elif isinstance(cluster, ClusterSpec):
            # A copy: the new spec owns its own ClusterDef, as TF's MergeFrom gives it.
            pb2 = _cluster_pb2()
            self._cluster_def = pb2.ClusterDef()
            self._cluster_def.MergeFrom(cluster.as_cluster_def())
            self._cluster_spec = _spec_from_cluster_def(self._cluster_def)
        elif isinstance(cluster, _cluster_pb2().ClusterDef):
            self._cluster_def = cluster
            self._cluster_spec = _spec_from_cluster_def(cluster)
        elif type(cluster).__name__ == "ClusterDef" and hasattr(cluster, "SerializeToString"):
            # TensorFlow's own message (tf.train.ClusterDef): the same fields, read by bytes.
            self._cluster_def = _cluster_pb2().ClusterDef.FromString(cluster.SerializeToString())
            self._cluster_spec = _spec_from_cluster_def(self._cluster_def)
        else:
            raise TypeError(
                "`cluster` must be a dictionary mapping one or more job names to lists of "
                "network addresses, or a `ClusterDef` protocol buffer"
            )

    def _make_cluster_def(self):
        cluster_def = _cluster_pb2().ClusterDef()
        # Jobs and tasks sorted, so the same cluster always serialises to the same bytes.
        for job_name, tasks in sorted(self._cluster_spec.items()):
            job_def = cluster_def.job.add()
            job_def.name = _as_text(job_name, "Job name")
            for i, address in sorted(tasks.items()):
                job_def.tasks[i] = _as_text(address, "Task address")
        return cluster_def

    # -- comparisons and printing --------------------------------------------------------
    def __bool__(self):
        return bool(self._cluster_spec)

    # TF compares the internal {job: {index: address}} mapping with ``other``: two specs are
    # equal when they hold the same tasks, and a spec equals a dict of dicts (not of lists).
    def __eq__(self, other):
        return self._cluster_spec == other

    def __ne__(self, other):
        return self._cluster_spec != other

    __hash__ = None  # mutable-looking and compared by value, so unhashable as in TF

    def __repr__(self):
        key_values = self.as_dict()
        items = [f"{k!r}: {key_values[k]!r}" for k in sorted(key_values)]
        return "ClusterSpec({" + ", ".join(items) + "})"

    # -- queries --------------------------------------------------------------------------
    def as_dict(self) -> dict:
        """``{job: [address, ...]}`` for dense jobs, ``{job: {index: address}}`` for sparse."""
        ret = {}
        for job in self.jobs:
            task_indices = self.task_indices(job)
            if not task_indices:
                ret[job] = {}
            elif max(task_indices) + 1 == len(task_indices):
                ret[job] = self.job_tasks(job)
            else:
                ret[job] = {i: self.task_address(job, i) for i in task_indices}
        return ret

    def as_cluster_def(self):
        """The ``ClusterDef`` protocol buffer for this cluster (what servers exchange)."""
        return self._cluster_def

    @property
    def jobs(self) -> list:
        """The job names, in the order they were given."""
        return list(self._cluster_spec.keys())

    def _job(self, job_name) -> dict:
        try:
            return self._cluster_spec[job_name]
        except KeyError:
            raise ValueError(f"No such job in cluster: {job_name!r}") from None

    def num_tasks(self, job_name) -> int:
        """How many tasks ``job_name`` defines. ValueError if there is no such job."""
        return len(self._job(job_name))

    def task_indices(self, job_name) -> list:
        """The sorted task indices of ``job_name``. ValueError if there is no such job."""
        return sorted(self._job(job_name))

    def task_address(self, job_name, task_index) -> str:
        """The address of one task. ValueError for an unknown job or task index."""
        job = self._job(job_name)
        try:
            return job[task_index]
        except KeyError:
            raise ValueError(f"No task with index {task_index!r} in job {job_name!r}") from None

    def job_tasks(self, job_name) -> list:
        """The addresses of ``job_name`` as a list indexed by task; None where sparse."""
        job = self._job(job_name)
        ret = [None] * (max(job.keys()) + 1)
        for i, task in job.items():
            ret[i] = task
        return ret

    @classmethod
    def from_tf_config(cls, env=None):
        """``(ClusterSpec, job_name, task_index)`` read from ``TF_CONFIG``.

        Same as `cluster_from_tf_config`.
        """
        return cluster_from_tf_config(env)


def _spec_from_cluster_def(cluster_def) -> dict:
    return {job_def.name: dict(job_def.tasks.items()) for job_def in cluster_def.job}


def cluster_from_tf_config(env: Mapping | None = None):
    """Read the cluster and this process's task from the ``TF_CONFIG`` environment variable.

    ``TF_CONFIG`` holds JSON: ``{"cluster": {job: [address, ...]}, "task": {"type": job,
    "index": i}}``, the convention of TF's ``TFConfigClusterResolver`` and
    ``tf.estimator.RunConfig``. ``env`` is a mapping of environment variables (default
    ``os.environ``). Returns ``(ClusterSpec, job_name, task_index)``: an empty ClusterSpec
    and ``(None, None)`` when ``TF_CONFIG`` is unset, ``job_name`` and ``task_index`` None
    when it names no task, and ``task_index`` 0 when the task gives no index (as RunConfig).

        >>> import json
        >>> from teachflow.distributed.cluster import cluster_from_tf_config
        >>> env = {"TF_CONFIG": json.dumps({"cluster": {"ps": ["p0:2222"],
        ...                                             "worker": ["w0:2222", "w1:2222"]},
        ...                                 "task": {"type": "worker", "index": 1}})}
        >>> cluster_from_tf_config(env)
        (ClusterSpec({'ps': ['p0:2222'], 'worker': ['w0:2222', 'w1:2222']}), 'worker', 1)

    Raises:
      ValueError: if ``TF_CONFIG`` is not JSON, not shaped as above, or names a task that is
        not in its cluster.
    """
    environ = os.environ if env is None else env
    text = environ.get(TF_CONFIG, "")
    if not text.strip():
        return ClusterSpec({}), None, None
    try:
        config = json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"TF_CONFIG is not valid JSON ({e}): {text!r}") from None
    if not isinstance(config, dict):
        raise ValueError(
            'TF_CONFIG must be a JSON object like {"cluster": {...}, "task": {"type": ..., '
            f'"index": ...}}}}, got {text!r}'
        )
    try:
        cluster = ClusterSpec(config.get("cluster", {}))
    except (TypeError, ValueError) as e:
        raise ValueError(f"TF_CONFIG has a malformed 'cluster': {e}") from None

    task = config.get("task", {})
    if not isinstance(task, dict):
        raise ValueError(f"TF_CONFIG's 'task' must be an object with 'type' and 'index': {task!r}")
    if "type" not in task:
        return cluster, None, None
    job_name = str(task["type"])
    try:
        task_index = int(task.get("index", 0))
    except (TypeError, ValueError):
        raise ValueError(f"TF_CONFIG's task index must be an integer: {task['index']!r}") from None
    if job_name not in cluster.jobs:
        raise ValueError(
            f"TF_CONFIG's task {{type: {job_name!r}, index: {task_index}}} is not in its "
            f"cluster: no job {job_name!r} (jobs: {cluster.jobs})"
        )
    if task_index not in cluster.task_indices(job_name):
        raise ValueError(
            f"TF_CONFIG's task {{type: {job_name!r}, index: {task_index}}} is not in its "
            f"cluster: job {job_name!r} has task indices {cluster.task_indices(job_name)}"
        )
    return cluster, job_name, task_index
