"""The basic session-run hooks: stopping, checkpoints, logging, step rate, NaN, feeds, finals."""

import logging
import os

import numpy as np
import pytest

import teachflow as tf


def _counter():
    step = tf.train.get_or_create_global_step()
    return step, tf.assign_add(step, 1)


def _run_until_stop(sess, op):
    values = []
    while not sess.should_stop():
        values.append(sess.run(op))
    return values


@pytest.fixture
def tf_log(caplog):
    """Records what the hooks log on the "tensorflow" logger (INFO and up)."""
    logger = logging.getLogger("tensorflow")
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.INFO, logger="tensorflow")
    yield caplog
    logger.removeHandler(caplog.handler)


# -- StopAtStepHook ---------------------------------------------------------------------------
def test_stop_at_step_num_steps_counts_from_the_restored_step():
    step, train = _counter()
    hook = tf.train.StopAtStepHook(num_steps=2)
    scaffold = tf.train.Scaffold(init_fn=lambda scaffold, sess: sess.run(tf_assign_10))
    tf_assign_10 = tf.assign(step, 10)
    with tf.train.MonitoredSession(tf.train.ChiefSessionCreator(scaffold), hooks=[hook]) as sess:
        assert _run_until_stop(sess, train) == [11, 12]


def test_stop_at_step_argument_errors_and_needs_a_global_step():
    with pytest.raises(ValueError, match="One of num_steps or last_step must be specified."):
        tf.train.StopAtStepHook()
    with pytest.raises(ValueError, match="Only one of num_steps or last_step can be specified."):
        tf.train.StopAtStepHook(1, 2)
    with pytest.raises(RuntimeError, match="Global step should be created to use StopAtStepHook."):
        tf.train.StopAtStepHook(num_steps=1).begin()


def test_stop_at_step_stops_when_another_worker_moved_the_step():
    step, train = _counter()
    jump = tf.assign_add(step, 5)
    noop = tf.no_op()
    with tf.train.MonitoredSession(hooks=[tf.train.StopAtStepHook(last_step=4)]) as sess:
        sess.run(jump)  # the hook's fetch may read the step before the jump...
        if not sess.should_stop():
            sess.run(noop)  # ...but the next run sees 5 >= 4
        assert sess.should_stop()
    del train


# -- CheckpointSaverHook ------------------------------------------------------------------------
def test_checkpoint_saver_hook_every_n_steps_with_listener(tmp_path):
    step, train = _counter()
    events = []

    class Listener(tf.train.CheckpointSaverListener):
        def begin(self):
            events.append("begin")

        def before_save(self, session, global_step_value):
            events.append(("before", int(global_step_value)))

        def after_save(self, session, global_step_value):
            events.append(("after", int(global_step_value)))

        def end(self, session, global_step_value):
            events.append(("end", int(global_step_value)))

    saver = tf.train.Saver(max_to_keep=10)
    hook = tf.train.CheckpointSaverHook(
        str(tmp_path), save_steps=3, saver=saver, listeners=[Listener()], save_graph_def=False
    )
    with tf.train.MonitoredSession(hooks=[hook, tf.train.StopAtStepHook(last_step=7)]) as sess:
        _run_until_stop(sess, train)
    assert events == [
        "begin",
        ("before", 0),
        ("after", 0),
        ("before", 3),
        ("after", 3),
        ("before", 6),
        ("after", 6),
        ("before", 7),
        ("after", 7),
        ("end", 7),
    ]
    assert saver.last_checkpoints == [str(tmp_path / f"model.ckpt-{i}") for i in (0, 3, 6, 7)]
    assert not os.path.exists(tmp_path / "graph.pbtxt")
    assert not os.path.exists(tmp_path / "model.ckpt-0.meta")


def test_a_listener_may_stop_training(tmp_path):
    _, train = _counter()

    class StopAfterSecondSave(tf.train.CheckpointSaverListener):
        def after_save(self, session, global_step_value):
            return global_step_value >= 2

    hook = tf.train.CheckpointSaverHook(
        str(tmp_path), save_steps=2, listeners=[StopAfterSecondSave()]
    )
    with tf.train.MonitoredSession(hooks=[hook]) as sess:
        assert _run_until_stop(sess, train) == [1, 2]


def test_checkpoint_saver_hook_logs_and_records_as_tensorflow(tmp_path, tf_log):
    _, train = _counter()
    hook = tf.train.CheckpointSaverHook(str(tmp_path), save_steps=2)
    with tf.train.MonitoredSession(hooks=[hook, tf.train.StopAtStepHook(last_step=2)]) as sess:
        _run_until_stop(sess, train)
    lines = [r.getMessage() for r in tf_log.records if "checkpoint" in r.getMessage()]
    save = str(tmp_path / "model.ckpt")
    assert lines == [  # TF 2.21's lines
        "Calling checkpoint listeners before saving checkpoint 0...",
        f"Saving checkpoints for 0 into {save}.",
        "Calling checkpoint listeners after saving checkpoint 0...",
        "Calling checkpoint listeners before saving checkpoint 2...",
        f"Saving checkpoints for 2 into {save}.",
        "Calling checkpoint listeners after saving checkpoint 2...",
    ]
    tf.summary.FileWriterCache.clear()  # closes the hook's writer
    (events_file,) = tmp_path.glob("events.out.tfevents.*")
    events = [
        (e.step, e.WhichOneof("what"), e.session_log.checkpoint_path)
        for e in tf.train.summary_iterator(str(events_file))
    ]
    # As TF's hook: the graph and MetaGraphDef (once from the cached writer, once from the
    # hook), then a CHECKPOINT session log per save.
    assert events == [
        (0, "file_version", ""),
        (0, "graph_def", ""),
        (0, "meta_graph_def", ""),
        (0, "graph_def", ""),
        (0, "meta_graph_def", ""),
        (0, "session_log", save),
        (2, "session_log", save),
    ]


def test_checkpoint_saver_hook_argument_errors(tmp_path):
    with pytest.raises(ValueError, match="Either every_secs or every_steps should be provided."):
        tf.train.CheckpointSaverHook(str(tmp_path))
    with pytest.raises(ValueError, match="Can not provide both every_secs and every_steps."):
        tf.train.CheckpointSaverHook(str(tmp_path), save_secs=1, save_steps=1)
    with pytest.raises(ValueError, match="You cannot provide both saver and scaffold."):
        tf.train.CheckpointSaverHook(
            str(tmp_path), save_steps=1, saver=object(), scaffold=tf.train.Scaffold()
        )


# -- LoggingTensorHook, StepCounterHook ---------------------------------------------------------
def test_logging_tensor_hook_every_n_iter(tf_log):
    step, train = _counter()
    loss = tf.multiply(tf.cast(step, tf.float32), 0.5, name="loss")
    hook = tf.train.LoggingTensorHook({"step": step, "loss": loss}, every_n_iter=2)
    with tf.train.MonitoredSession(hooks=[hook, tf.train.StopAtStepHook(last_step=5)]) as sess:
        _run_until_stop(sess, train)
    lines = [r.getMessage() for r in tf_log.records if "loss =" in r.getMessage()]
    assert len(lines) == 3  # iterations 0, 2, 4
    assert lines[0].startswith("loss = ") and ", step = " in lines[0]
    assert lines[1].endswith(" sec)")


def test_logging_tensor_hook_prints_float32_as_tensorflow_and_once(tmp_path):
    script = tmp_path / "log.py"
    script.write_text(
        "import teachflow as tf\n"
        "tf.logging.set_verbosity(tf.logging.INFO)\n"
        "step = tf.train.get_or_create_global_step()\n"
        "loss = tf.constant(12.290858268737793, tf.float32)\n"
        "train = tf.assign_add(step, 1)\n"
        "hooks = [tf.train.LoggingTensorHook({'loss': loss}, every_n_iter=5),\n"
        "         tf.train.StopAtStepHook(last_step=1)]\n"
        "with tf.train.MonitoredSession(hooks=hooks) as sess:\n"
        "    while not sess.should_stop():\n"
        "        sess.run(train)\n"
    )
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=True
    )
    # str() of the float32, as TF's "%s"; one handler, so one line.
    assert done.stderr.count("INFO:tensorflow:loss = 12.290858\n") == 1


def test_logging_tensor_hook_names_at_end_and_formatter(tf_log):
    v = tf.Variable([1.0, 2.0], name="v")
    tf.train.get_or_create_global_step()
    hook = tf.train.LoggingTensorHook(
        ["v"], at_end=True, formatter=lambda values: f"v is {values['v'].tolist()}"
    )
    with tf.train.MonitoredSession(hooks=[hook]) as sess:
        sess.run(v)
    assert [r.getMessage() for r in tf_log.records if r.getMessage().startswith("v is")] == [
        "v is [1.0, 2.0]"
    ]


def test_logging_tensor_hook_argument_errors():
    with pytest.raises(ValueError, match="exactly one of every_n_iter and every_n_secs"):
        tf.train.LoggingTensorHook(["x"])
    with pytest.raises(ValueError, match="invalid every_n_iter=0."):
        tf.train.LoggingTensorHook(["x"], every_n_iter=0)


def test_step_counter_hook_logs_steps_per_second(tf_log):
    _, train = _counter()
    hook = tf.train.StepCounterHook(every_n_steps=2)
    with tf.train.MonitoredSession(hooks=[hook, tf.train.StopAtStepHook(last_step=6)]) as sess:
        _run_until_stop(sess, train)
    assert [s for s, _ in hook.steps_per_sec] == [3, 5]
    assert all(rate > 0 for _, rate in hook.steps_per_sec)
    assert any(r.getMessage().startswith("global_step/sec: ") for r in tf_log.records)


def test_step_counter_warns_when_the_step_does_not_move(tf_log):
    tf.train.get_or_create_global_step()
    noop = tf.no_op()
    with tf.train.MonitoredSession(hooks=[tf.train.StepCounterHook(every_n_steps=1)]) as sess:
        for _ in range(3):
            sess.run(noop)
    warnings = [r for r in tf_log.records if "has not been increased" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelname == "WARNING"


# -- NanTensorHook --------------------------------------------------------------------------------
def test_nan_tensor_hook_fails_or_stops():
    tf.train.get_or_create_global_step()
    loss = tf.placeholder(tf.float32, shape=[])
    with pytest.raises(tf.train.NanLossDuringTrainingError, match="NaN loss during training."):
        with tf.train.MonitoredSession(hooks=[tf.train.NanTensorHook(loss)]) as sess:
            sess.run(loss, feed_dict={loss: 1.0})
            sess.run(loss, feed_dict={loss: np.nan})
    assert not tf.get_default_graph().finalized
    hook = tf.train.NanTensorHook(loss, fail_on_nan_loss=False)
    with tf.train.MonitoredSession(hooks=[hook]) as sess:
        sess.run(loss, feed_dict={loss: np.nan})
        assert sess.should_stop()


# -- FeedFnHook, FinalOpsHook, GlobalStepWaiterHook -----------------------------------------------
def test_feed_fn_hook_values():
    x = tf.placeholder(tf.int32, shape=[])
    x10 = x * 10
    values = iter([1, 2, 3])
    with tf.train.MonitoredSession(hooks=[tf.train.FeedFnHook(lambda: {x: next(values)})]) as s:
        assert [s.run(x10) for _ in range(3)] == [10, 20, 30]


def test_final_ops_hook_runs_at_end_with_feeds():
    x = tf.placeholder(tf.float32, shape=[])
    final = tf.train.FinalOpsHook({"double": x * 2.0}, final_ops_feed_dict={x: 4.0})
    with tf.train.MonitoredSession(hooks=[final]):
        assert final.final_ops_values is None
    assert final.final_ops_values == {"double": 8.0}


def test_global_step_waiter_hook_passes_once_the_step_is_reached():
    step, train = _counter()
    start = tf.assign(step, 5)
    scaffold = tf.train.Scaffold(init_fn=lambda scaffold, sess: sess.run(start))
    hook = tf.train.GlobalStepWaiterHook(wait_until_step=5)
    with tf.train.MonitoredSession(tf.train.ChiefSessionCreator(scaffold), hooks=[hook]) as sess:
        assert sess.run(train) == 6


def test_second_or_step_timer():
    timer = tf.train.SecondOrStepTimer(every_steps=10)
    assert timer.should_trigger_for_step(0)
    assert timer.update_last_triggered_step(0) == (None, None)
    assert not timer.should_trigger_for_step(0)
    assert not timer.should_trigger_for_step(9)
    assert timer.should_trigger_for_step(10)
    elapsed_secs, elapsed_steps = timer.update_last_triggered_step(12)
    assert elapsed_steps == 12 and elapsed_secs >= 0
    assert timer.last_triggered_step() == 12
    secs = tf.train.SecondOrStepTimer(every_secs=0.0)
    secs.update_last_triggered_step(1)
    assert secs.should_trigger_for_step(2)


def test_profiler_hook_saves_timelines_and_run_metadata_as_tensorflow(tmp_path, tf_log):
    import json

    step = tf.train.get_or_create_global_step()
    x = tf.Variable(tf.ones([4, 4]))
    train = tf.group(tf.assign_add(step, 1), tf.assign(x, tf.matmul(x, x) * 0.5))
    hook = tf.train.ProfilerHook(save_steps=3, output_dir=str(tmp_path), show_memory=True)
    with tf.train.MonitoredSession(hooks=[hook]) as sess:
        for _ in range(8):
            sess.run(train)
    # TF 2.21 with this program: timelines for steps 3, 5 and 7, and one run metadata each.
    names = sorted(p.name for p in tmp_path.glob("timeline-*.json"))
    assert names == ["timeline-3.json", "timeline-5.json", "timeline-7.json"]
    trace = json.loads((tmp_path / "timeline-3.json").read_text())
    assert any(e.get("name") == "MatMul" for e in trace["traceEvents"])
    lines = [r.getMessage() for r in tf_log.records if r.getMessage().startswith("Saving timeline")]
    assert lines[0] == f"Saving timeline for 3 into '{tmp_path / 'timeline-3.json'}'."
    tf.summary.FileWriterCache.clear()
    (events_file,) = tmp_path.glob("events.out.tfevents.*")
    tags = [
        e.tagged_run_metadata.tag
        for e in tf.train.summary_iterator(str(events_file))
        if e.HasField("tagged_run_metadata")
    ]
    assert tags == ["step_3", "step_5", "step_7"]
