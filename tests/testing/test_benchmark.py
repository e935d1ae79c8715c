"""tf.test.Benchmark: names, reports and the values run_op_benchmark returns, as in TF."""

import pytest

import teachflow as tf


class AddBenchmark(tf.test.Benchmark):
    def benchmark_add(self):
        a = tf.constant([1.0, 2.0])
        with tf.Session() as sess:
            return self.run_op_benchmark(sess, a + a, burn_iters=1, min_iters=4, mbs=2)

    def benchmark_reported(self):
        self.report_benchmark(iters=3, wall_time=0.5, extras={"k": 1.5, "s": "x"}, name="custom")


def test_run_op_benchmark_reports_and_returns(capsys):
    result = AddBenchmark().benchmark_add()
    assert result["iters"] == 4 and result["name"] is None
    assert result["throughput"] == pytest.approx(2 / result["wall_time"])
    assert "wall_time_mean" in result["extras"] and "wall_time_stdev" in result["extras"]
    assert any(k.startswith("allocator_maximum_num_bytes_") for k in result["extras"])
    out = capsys.readouterr().out
    assert 'name: "AddBenchmark.benchmark_add"' in out and "iters: 4" in out


def test_report_benchmark_prints_benchmark_entries(capsys):
    AddBenchmark().benchmark_reported()
    out = capsys.readouterr().out
    assert 'name: "AddBenchmark.custom"' in out
    assert 'key: "k"' in out and "double_value: 1.5" in out and 'string_value: "x"' in out


def test_extras_must_be_a_dict():
    class Bad(tf.test.Benchmark):
        def benchmark(self):
            self.report_benchmark(extras=[1])

    with pytest.raises(TypeError, match="extras must be a dict"):
        Bad().benchmark()


def test_outside_a_benchmark_there_is_no_name():
    with pytest.raises(ValueError, match="Unable to determine calling Benchmark class"):
        tf.test.Benchmark._get_name(object())


def test_benchmark_config_is_a_config_proto():
    assert isinstance(tf.test.benchmark_config(), tf.ConfigProto)
