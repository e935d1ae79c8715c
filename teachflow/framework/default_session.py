"""The default session: the one ``Tensor.eval()`` and ``Operation.run()`` use.

``with sess.as_default():`` (and ``tf.InteractiveSession``) push a session on a per-thread
stack; ``eval``/``run`` without a session argument take its top, and refuse, with
TensorFlow's words, when there is none or it runs another graph.

    >>> from teachflow.framework.default_session import default_session, get_default_session
    >>> get_default_session() is None
    True
    >>> with default_session("sess"):
    ...     get_default_session()
    'sess'
"""

from __future__ import annotations

import contextlib
import threading


class _SessionStack(threading.local):
    def __init__(self):
        self.stack = []


_thread_sessions = _SessionStack()


@contextlib.contextmanager
def default_session(session):
    _thread_sessions.stack.append(session)
    try:
        yield session
    finally:
        stack = _thread_sessions.stack  # the innermost entry: a session may be re-entered
        del stack[len(stack) - 1 - stack[::-1].index(session)]


def get_default_session():
    return _thread_sessions.stack[-1] if _thread_sessions.stack else None


def _eval_using_default_session(tensors, feed_dict, graph, session=None):
    if session is None:
        session = get_default_session()
        if session is None:
            raise ValueError(
                "Cannot evaluate tensor using `eval()`: No default session is registered. Use "
                "`with sess.as_default()` or pass an explicit session to `eval(session=sess)`"
            )
        if session.graph is not graph:
            raise ValueError(
                "Cannot use the default session to evaluate tensor: the tensor's graph is "
                "different from the session's graph. Pass an explicit session to "
                "`eval(session=sess)`."
            )
    elif session.graph is not graph:
        raise ValueError(
            "Cannot use the given session to evaluate tensor: the tensor's graph is "
            "different from the session's graph."
        )
    return session.run(tensors, feed_dict)


def _run_using_default_session(op, feed_dict, graph, session=None):
    if session is None:
        session = get_default_session()
        if session is None:
            raise ValueError(
                "Cannot execute operation using `run()`: No default session is registered. "
                "Use `with sess.as_default():` or pass an explicit session to "
                "`run(session=sess)`"
            )
        if session.graph is not graph:
            raise ValueError(
                "Cannot use the default session to execute operation: the operation's graph "
                "is different from the session's graph. Pass an explicit session to "
                "run(session=sess)."
            )
    elif session.graph is not graph:
        raise ValueError(
            "Cannot use the given session to execute operation: the operation's graph is "
            "different from the session's graph."
        )
    session.run(op, feed_dict)
