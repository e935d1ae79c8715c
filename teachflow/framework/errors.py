"""The `tf.errors` hierarchy: TensorFlow's error classes and canonical codes.

Every runtime failure is an `OpError` subclass that names the node it happened in,
so a student sees *which* op failed and why:

    >>> import teachflow as tf
    >>> x = tf.placeholder(tf.float32, name="x")
    >>> try:
    ...     tf.Session().run(x * 2.0)
    ... except tf.errors.InvalidArgumentError as e:
    ...     print(e.op.name, e.error_code)
    x 3
"""

from __future__ import annotations

OK = 0
CANCELLED = 1
UNKNOWN = 2
INVALID_ARGUMENT = 3
DEADLINE_EXCEEDED = 4
NOT_FOUND = 5
ALREADY_EXISTS = 6
PERMISSION_DENIED = 7
RESOURCE_EXHAUSTED = 8
FAILED_PRECONDITION = 9
ABORTED = 10
OUT_OF_RANGE = 11
UNIMPLEMENTED = 12
INTERNAL = 13
UNAVAILABLE = 14
DATA_LOSS = 15
UNAUTHENTICATED = 16


class OpError(Exception):
    """A failure while running an op. ``node_def`` and ``op`` may be None."""

    def __init__(self, node_def, op, message, error_code=UNKNOWN):
        super().__init__(message)
        self._node_def = node_def
        self._op = op
        self._message = message
        self._error_code = error_code

    @property
    def message(self) -> str:
        return self._message

    @property
    def op(self):
        return self._op

    @property
    def node_def(self):
        return self._node_def

    @property
    def error_code(self) -> int:
        return self._error_code

    def __str__(self):
        return self._message

    def __reduce__(self):
        return type(self), (None, None, self._message)


def _subclass(name, code, doc):
    def __init__(self, node_def, op, message, *args, **kwargs):
        OpError.__init__(self, node_def, op, message, code)

    return type(name, (OpError,), {"__init__": __init__, "__doc__": doc, "_code": code})


CancelledError = _subclass("CancelledError", CANCELLED, "An operation or step was cancelled.")
UnknownError = _subclass("UnknownError", UNKNOWN, "An unknown error occurred.")
InvalidArgumentError = _subclass(
    "InvalidArgumentError", INVALID_ARGUMENT, "An op received an invalid argument."
)
DeadlineExceededError = _subclass(
    "DeadlineExceededError", DEADLINE_EXCEEDED, "A deadline expired before the op completed."
)
NotFoundError = _subclass("NotFoundError", NOT_FOUND, "A requested entity was not found.")
AlreadyExistsError = _subclass("AlreadyExistsError", ALREADY_EXISTS, "An entity already exists.")
PermissionDeniedError = _subclass(
    "PermissionDeniedError", PERMISSION_DENIED, "The caller may not run the op."
)
ResourceExhaustedError = _subclass(
    "ResourceExhaustedError", RESOURCE_EXHAUSTED, "Some resource (e.g. memory) has been exhausted."
)
FailedPreconditionError = _subclass(
    "FailedPreconditionError",
    FAILED_PRECONDITION,
    "The system is not in a state to run the op (e.g. an uninitialized variable).",
)
AbortedError = _subclass("AbortedError", ABORTED, "The operation was aborted.")
OutOfRangeError = _subclass(
    "OutOfRangeError", OUT_OF_RANGE, "An op iterated past the valid range (e.g. a closed queue)."
)
UnimplementedError = _subclass(
    "UnimplementedError", UNIMPLEMENTED, "The op is not implemented or supported."
)
InternalError = _subclass("InternalError", INTERNAL, "An internal invariant was broken.")
UnavailableError = _subclass("UnavailableError", UNAVAILABLE, "The runtime is not available.")
DataLossError = _subclass("DataLossError", DATA_LOSS, "Unrecoverable data loss or corruption.")
UnauthenticatedError = _subclass(
    "UnauthenticatedError", UNAUTHENTICATED, "The request lacks valid credentials."
)


class InaccessibleTensorError(ValueError):
    """``Session.run`` was asked to fetch a value it may not reach: one made inside a cond
    branch or a while loop (it may never be computed, or be one iteration's). A
    ``ValueError``, as in TensorFlow."""


_CODE_TO_CLASS = {
    cls._code: cls
    for cls in (
        CancelledError,
        UnknownError,
        InvalidArgumentError,
        DeadlineExceededError,
        NotFoundError,
        AlreadyExistsError,
        PermissionDeniedError,
        ResourceExhaustedError,
        FailedPreconditionError,
        AbortedError,
        OutOfRangeError,
        UnimplementedError,
        InternalError,
        UnavailableError,
        DataLossError,
        UnauthenticatedError,
    )
}


def exception_type_from_error_code(error_code: int) -> type:
    return _CODE_TO_CLASS[error_code]


def error_code_from_exception_type(cls: type) -> int:
    return getattr(cls, "_code", UNKNOWN)


class Status:
    """What a C-API call reports back: a canonical ``code`` (0 is OK) and a ``message``."""

    def __init__(self):
        self.code = OK
        self.message = ""


class raise_exception_on_not_ok_status:  # noqa: N801 - TF's name
    """A block that fills in a `Status`; on leaving it, a code other than OK raises that
    code's error class with the status message, as TensorFlow 1's wrapper of the C API
    does.

        >>> import teachflow as tf
        >>> try:
        ...     with tf.errors.raise_exception_on_not_ok_status() as status:
        ...         status.code, status.message = tf.errors.NOT_FOUND, "no such file"
        ... except tf.errors.NotFoundError as e:
        ...     print(e.message)
        no such file
    """

    def __enter__(self) -> Status:
        self.status = Status()
        return self.status

    def __exit__(self, type_arg, value_arg, traceback_arg):
        try:
            if self.status.code != OK:
                cls = _CODE_TO_CLASS.get(self.status.code, UnknownError)
                raise cls(None, None, self.status.message)
        finally:
            del self.status
        return False
