"""``tf.test.Benchmark``: time a graph's runs and report them as TensorFlow does.

``run_op_benchmark`` runs an op ``burn_iters`` times untimed, then ``min_iters`` times
timed, and reports the median wall time (plus, from one traced run, the peak bytes of
each allocator). A report is logged and printed as a ``BenchmarkEntries`` text message,
named ``<Class>.<method>`` after the outermost benchmark method on the stack.

    >>> import teachflow as tf
    >>> class MatmulBenchmark(tf.test.Benchmark):
    ...     def benchmark_matmul(self):
    ...         m = tf.ones([16, 16])
    ...         with tf.Session() as sess:
    ...             return self.run_op_benchmark(sess, tf.matmul(m, m), min_iters=3,
    ...                                          store_memory_usage=False)
    >>> result = MatmulBenchmark().benchmark_matmul()  # doctest: +ELLIPSIS
    entries {
      entry {
        name: "MatmulBenchmark.benchmark_matmul"
        iters: 3
    ...
    >>> result["iters"], sorted(result["extras"])
    (3, ['wall_time_mean', 'wall_time_stdev'])
"""

from __future__ import annotations

import inspect
import math
import numbers
import time

from teachflow import logging

__all__ = ["Benchmark", "benchmark_config"]


def benchmark_config():
    """The ``ConfigProto`` to benchmark with. TensorFlow's turns Grappler's dependency
    optimizer off; teachflow rewrites no graph, so it is the default config."""
    from teachflow.runtime.config import ConfigProto

    return ConfigProto()


def _number(value) -> str:
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _entries_text(name, fields, extras, metrics) -> str:
    """``BenchmarkEntries`` (tensorflow/core/util/test_log.proto) in protobuf text format."""
    lines = [f'    name: "{name}"']
    for key, value in fields:
        if value is not None:
            lines.append(f"    {key}: {value if key == 'iters' else _number(value)}")
    for key in sorted(extras or {}):
        value = extras[key]
        kind = (
            f"double_value: {_number(value)}"
            if isinstance(value, numbers.Number)
            else f'string_value: "{value}"'
        )
        lines += [
            f'    extras {{\n      key: "{key}"\n      value {{\n        {kind}\n      }}\n    }}'
        ]
    for metric in metrics or ():
        lines.append(
            f'    metrics {{\n      name: "{metric["name"]}"\n      value: {_number(metric["value"])}\n    }}'
        )
    return "entries {\n  entry {\n" + "\n".join(lines) + "\n  }\n}"


def _check(extras, metrics):
    if extras is not None and not isinstance(extras, dict):
        raise TypeError("extras must be a dict")
    if metrics is not None and not isinstance(metrics, list):
        raise TypeError("metrics must be a list")
    for metric in metrics or ():
        for key in ("name", "value"):
            if key not in metric:
                raise TypeError(f"metric must has a '{key}' field")


def _median(values):
    s = sorted(values)
    return (s[len(s) // 2] + s[(len(s) - 1) // 2]) / 2.0 if s else -1


def _mean_and_stdev(values):
    if not values:
        return -1, -1
    mean = sum(values) / len(values)
    if len(values) == 1:
        return mean, -1
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


class Benchmark:
    """Subclass it and name methods ``benchmark*``; call `report_benchmark` or
    `run_op_benchmark` in them (see the module docstring)."""

    def _get_name(self, overwrite_name=None) -> str:
        method = None
        for frame in inspect.stack()[::-1]:
            if isinstance(frame.frame.f_locals.get("self"), Benchmark):
                caller, method = frame.frame.f_locals["self"], frame.function
                break
        if method is None:
            raise ValueError("Unable to determine calling Benchmark class.")
        return f"{type(caller).__name__}.{overwrite_name or method}"

    def report_benchmark(
        self,
        iters=None,
        cpu_time=None,
        wall_time=None,
        throughput=None,
        extras=None,
        name=None,
        metrics=None,
    ) -> None:
        """Log and print one benchmark entry (TypeError for extras that are not a dict,
        metrics that are not a list of dicts with ``name`` and ``value``)."""
        name = self._get_name(overwrite_name=name)
        logging.info(
            "Benchmark [%s] iters: %d, wall_time: %g, cpu_time: %g,throughput: %g, "
            "extras: %s, metrics: %s",
            name,
            iters if iters is not None else -1,
            wall_time if wall_time is not None else -1,
            cpu_time if cpu_time is not None else -1,
            throughput if throughput is not None else -1,
            str(extras) if extras else "None",
            str(metrics) if metrics else "None",
        )
        _check(extras, metrics)
        fields = [
            ("iters", iters),
            ("cpu_time", cpu_time),
            ("wall_time", wall_time),
            ("throughput", throughput),
        ]
        print(_entries_text(name, fields, extras, metrics))

    def run_op_benchmark(
        self,
        sess,
        op_or_tensor,
        feed_dict=None,
        burn_iters=2,
        min_iters=10,
        store_trace=False,
        store_memory_usage=True,
        name=None,
        extras=None,
        mbs=0,
    ) -> dict:
        """Time ``sess.run(op_or_tensor)``; returns what was reported (``iters``,
        ``wall_time`` (the median), ``throughput`` = ``mbs / wall_time``, ``extras``),
        with ``wall_time_mean``/``wall_time_stdev`` and, with ``store_trace``, the run's
        Chrome trace as ``full_trace_chrome_format`` added to ``extras``."""
        for _ in range(burn_iters):
            sess.run(op_or_tensor, feed_dict=feed_dict)
        deltas = []
        for _ in range(min_iters):
            start = time.time()
            sess.run(op_or_tensor, feed_dict=feed_dict)
            deltas.append(time.time() - start)
        extras = extras if extras is not None else {}
        unreported = {}
        if store_trace or store_memory_usage:
            unreported.update(
                self._traced_run(
                    sess, op_or_tensor, feed_dict, store_trace, store_memory_usage, extras
                )
            )
        median = _median(deltas)
        values = {
            "iters": min_iters,
            "wall_time": median,
            "extras": extras,
            "name": name,
            "throughput": mbs / median,
        }
        self.report_benchmark(**values)
        unreported["wall_time_mean"], unreported["wall_time_stdev"] = _mean_and_stdev(deltas)
        values["extras"].update(unreported)
        return values

    @staticmethod
    def _traced_run(sess, fetch, feed_dict, store_trace, store_memory_usage, extras) -> dict:
        from teachflow.client.timeline import Timeline
        from teachflow.runtime.config import RunMetadata, RunOptions

        metadata = RunMetadata()
        sess.run(
            fetch,
            feed_dict=feed_dict,
            options=RunOptions(trace_level=RunOptions.FULL_TRACE),
            run_metadata=metadata,
        )
        if store_memory_usage:
            peaks = {}
            for device in metadata.step_stats.dev_stats:
                for node in device.node_stats:
                    for used in node.memory:
                        peaks[used.allocator_name] = max(
                            peaks.get(used.allocator_name, 0), used.peak_bytes
                        )
            for allocator, peak in peaks.items():
                extras[f"allocator_maximum_num_bytes_{allocator}"] = peak
        if store_trace:
            return {
                "full_trace_chrome_format": Timeline(
                    metadata.step_stats
                ).generate_chrome_trace_format()
            }
        return {}

    def evaluate(self, tensors):
        """The values of ``tensors`` in the default session."""
        from teachflow.framework.graph import get_default_session

        return get_default_session().run(tensors)
