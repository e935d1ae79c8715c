"""tf.logging's vlog, log_if, TaskLevelStatusMessage and flush; tf.debugging's placement
switch; tf.errors.raise_exception_on_not_ok_status; the table-initializer aliases."""

import logging

import pytest

import teachflow as tf


@pytest.fixture
def records():
    seen = []

    class Keep(logging.Handler):
        def emit(self, record):
            seen.append((record.levelno, record.getMessage()))

    handler = Keep()
    logger = logging.getLogger("tensorflow")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(1)
    yield seen
    logger.removeHandler(handler)
    logger.setLevel(old_level)


def test_vlog_log_if_and_status_messages(records):
    tf.logging.vlog(tf.logging.INFO, "step %d", 3)
    tf.logging.log_if(tf.logging.WARN, "shown %s", True, "yes")
    tf.logging.log_if(tf.logging.WARN, "hidden", False)
    tf.logging.TaskLevelStatusMessage("task 0 up")
    assert records == [
        (logging.INFO, "step 3"),
        (logging.WARN, "shown yes"),
        (logging.ERROR, "task 0 up"),
    ]


def test_flush_is_not_implemented_as_in_tensorflow():
    with pytest.raises(NotImplementedError):
        tf.logging.flush()


def test_log_device_placement_switch():
    assert tf.debugging.get_log_device_placement() is False
    tf.debugging.set_log_device_placement(True)
    try:
        assert tf.debugging.get_log_device_placement() is True
    finally:
        tf.debugging.set_log_device_placement(False)


def test_not_ok_status_raises_its_error_class():
    with tf.errors.raise_exception_on_not_ok_status() as status:
        pass
    assert status.code == tf.errors.OK
    with pytest.raises(tf.errors.InvalidArgumentError, match="bad shape") as e:
        with tf.errors.raise_exception_on_not_ok_status() as status:
            status.code, status.message = tf.errors.INVALID_ARGUMENT, "bad shape"
    assert e.value.error_code == tf.errors.INVALID_ARGUMENT


def test_table_initializer_aliases():
    op = tf.initialize_all_tables()
    assert (op.name, op.type) == ("init_all_tables", "NoOp")
    assert tf.initializers.tables_initializer().name == "init_all_tables_1"
