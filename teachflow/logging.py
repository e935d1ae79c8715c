"""``tf.logging``: TensorFlow 1.x's log calls, on Python's ``logging`` logger "tensorflow".

The training hooks (`tf.train.LoggingTensorHook`, `StepCounterHook`, ...) log at INFO, which
TF 1.x hides until ``tf.logging.set_verbosity(tf.logging.INFO)``; then each line reads
``INFO:tensorflow:...`` on stderr, as in TensorFlow.

    >>> import teachflow as tf
    >>> tf.logging.set_verbosity(tf.logging.INFO)
    >>> tf.logging.get_verbosity() == tf.logging.INFO
    True
    >>> tf.logging.set_verbosity(tf.logging.WARN)
"""

from __future__ import annotations

import logging as _logging
import sys

__all__ = [
    "DEBUG",
    "ERROR",
    "FATAL",
    "INFO",
    "WARN",
    "debug",
    "error",
    "fatal",
    "get_verbosity",
    "info",
    "log",
    "log_every_n",
    "log_first_n",
    "set_verbosity",
    "warn",
    "warning",
]

DEBUG = _logging.DEBUG
INFO = _logging.INFO
WARN = _logging.WARN
ERROR = _logging.ERROR
FATAL = _logging.FATAL

_logger = _logging.getLogger("tensorflow")
_counts: dict = {}


class _StderrHandler(_logging.StreamHandler):
    """Writes to the *current* ``sys.stderr`` (Jupyter replaces it per cell)."""

    def __init__(self):
        super().__init__()
        self.setFormatter(_logging.Formatter("%(levelname)s:tensorflow:%(message)s"))

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


def _ensure_handler():
    # One handler of our own, so messages show at the chosen level (Python's last-resort
    # handler prints WARNING and above only), and none twice through the root logger.
    if not any(isinstance(h, _StderrHandler) for h in _logger.handlers):
        _logger.addHandler(_StderrHandler())
        _logger.propagate = False


def get_logger() -> _logging.Logger:
    """The Python logger named "tensorflow" that these calls write to: ``tf.get_logger()``.

    >>> import teachflow as tf
    >>> tf.get_logger().name
    'tensorflow'
    """
    _ensure_handler()
    return _logger


def set_verbosity(v):
    """Show messages at level ``v`` (``tf.logging.INFO`` ...) and above."""
    _ensure_handler()
    _logger.setLevel(v)


def get_verbosity():
    """The level set by `set_verbosity` (TF 1.x starts at WARN)."""
    return _logger.getEffectiveLevel()


def log(level, msg, *args, **kwargs):
    _ensure_handler()
    _logger.log(level, msg, *args, **kwargs)


def debug(msg, *args, **kwargs):
    log(DEBUG, msg, *args, **kwargs)


def info(msg, *args, **kwargs):
    log(INFO, msg, *args, **kwargs)


def warning(msg, *args, **kwargs):
    log(WARN, msg, *args, **kwargs)


warn = warning


def error(msg, *args, **kwargs):
    log(ERROR, msg, *args, **kwargs)


def fatal(msg, *args, **kwargs):
    log(FATAL, msg, *args, **kwargs)


def log_every_n(level, msg, n, *args):
    """Log ``msg`` on its 1st, (n+1)th, (2n+1)th ... call from the same place."""
    frame = sys._getframe(1)
    key = (frame.f_code.co_filename, frame.f_lineno)
    count = _counts.get(key, 0)
    _counts[key] = count + 1
    if count % n == 0:
        log(level, msg, *args)


def log_first_n(level, msg, n, *args):
    """Log ``msg`` only on its first ``n`` calls from the same place."""
    frame = sys._getframe(1)
    key = (frame.f_code.co_filename, frame.f_lineno)
    count = _counts.get(key, 0)
    _counts[key] = count + 1
    if count < n:
        log(level, msg, *args)


def vlog(level, msg, *args, **kwargs):
    """Log ``msg`` at the numeric ``level`` (TF1's verbose logging is a plain level)."""
    log(level, msg, *args, **kwargs)


def log_if(level, msg, condition, *args):
    """Log ``msg`` at ``level`` only when ``condition`` holds."""
    if condition:
        vlog(level, msg, *args)


def flush():
    """NotImplementedError, as in TensorFlow 1.x's ``tf.logging.flush`` (messages go to an
    unbuffered stream: there is nothing to flush)."""
    raise NotImplementedError()


def TaskLevelStatusMessage(msg):  # noqa: N802 - TF's name
    """Report a task's status line: TensorFlow logs it as an error."""
    error(msg)
