"""tf.app.run and tf.app.flags (absl flags, as in TensorFlow): scripts run as subprocesses,
since flags are process-global. The expected outputs are what TensorFlow printed for the
same script (checked with the TF venv)."""

import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import teachflow as tf

    flags = tf.app.flags
    flags.DEFINE_string("job_name", "", "One of 'ps', 'worker'")
    flags.DEFINE_integer("task_index", 0, "Index of task within the job")
    flags.DEFINE_float("learning_rate", 0.01, "Learning rate")
    flags.DEFINE_boolean("sync_replicas", False, "Use the sync_replicas mode")
    flags.DEFINE_list("ps_hosts", [], "Comma-separated list of hostname:port pairs")
    flags.DEFINE_enum("optimizer", "sgd", ["sgd", "adam"], "Optimizer")
    tf.flags.DEFINE_string(flag_name="data_dir", default_value="/tmp/data", docstring="Data")
    FLAGS = flags.FLAGS


    def main(argv):
        print("argv", argv[1:])
        print(FLAGS.job_name, FLAGS.task_index, FLAGS.learning_rate, FLAGS.sync_replicas,
              FLAGS.ps_hosts, FLAGS.optimizer, FLAGS.data_dir)
        return 3


    if __name__ == "__main__":
        tf.app.run()
    """
)


def _run(tmp_path, *args, script=SCRIPT):
    path = tmp_path / "replica.py"
    path.write_text(script)
    return subprocess.run(
        [sys.executable, str(path), *args], capture_output=True, text=True, timeout=120
    )


def test_run_parses_flags_and_passes_unknown_ones_to_main(tmp_path):
    done = _run(
        tmp_path,
        "--job_name=worker",
        "--task_index=1",
        "--learning_rate=0.5",
        "--sync_replicas",
        "--ps_hosts=a:1,b:2",
        "--optimizer=adam",
        "--unknown=3",
        "extra",
    )
    assert done.returncode == 3, done.stderr
    assert done.stdout.splitlines() == [
        "argv ['--unknown=3', 'extra']",
        "worker 1 0.5 True ['a:1', 'b:2'] adam /tmp/data",
    ]
    assert "keyword argument names (flag_name, default_value, docstring)" in done.stderr


def test_defaults_when_no_flags_are_given(tmp_path):
    done = _run(tmp_path)
    assert done.returncode == 3, done.stderr
    assert done.stdout.splitlines()[1] == " 0 0.01 False [] sgd /tmp/data"


@pytest.mark.parametrize(
    "arg, words",
    [
        ("--task_index=x", "flag --task_index=x: invalid literal for int()"),
        ("--optimizer=rms", "flag --optimizer=rms: value should be one of <sgd|adam>"),
    ],
)
def test_bad_values_fail_with_absl_messages(tmp_path, arg, words):
    done = _run(tmp_path, arg)
    assert done.returncode == 1
    assert "IllegalFlagValueError" in done.stderr and words in done.stderr


def test_help_lists_the_scripts_flags(tmp_path):
    done = _run(tmp_path, "--help")
    out = done.stdout + done.stderr
    assert "USAGE:" in out and "replica.py [flags]" in out
    assert "--job_name: One of 'ps', 'worker'" in out and "(default: '/tmp/data')" in out


def test_flags_read_before_run_parse_sys_argv(tmp_path):
    script = (
        "import teachflow as tf\n"
        "tf.flags.DEFINE_integer('task_index', 0, 'Index')\n"
        "print(tf.flags.FLAGS.task_index, tf.app.flags is tf.flags is tf.compat.v1.flags)\n"
    )
    done = _run(tmp_path, "--task_index=4", script=script)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "4 True"
