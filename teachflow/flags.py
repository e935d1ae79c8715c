"""``tf.flags`` (also ``tf.app.flags``): command-line flags, which in TensorFlow 1.x are
absl's flags with two old habits kept.

* ``DEFINE_*`` also take the old keyword names ``flag_name``, ``default_value`` and
  ``docstring`` (with a warning), as TF1 scripts wrote them;
* reading ``FLAGS.x`` before anything parsed the command line parses ``sys.argv`` first
  (plain absl raises ``UnparsedFlagAccessError``), so a script that never calls
  ``tf.app.run`` still sees its flags.

A between-graph replication script starts like this:

    >>> import teachflow as tf
    >>> flags = tf.app.flags
    >>> flags.DEFINE_string("job_name", "", "One of 'ps', 'worker'")  # doctest: +SKIP
    >>> flags.DEFINE_integer("task_index", 0, "Index of task within the job")  # doctest: +SKIP
    >>> FLAGS = flags.FLAGS  # doctest: +SKIP

and ``tf.app.run()`` parses ``--job_name=worker --task_index=1`` before calling ``main``.
"""

import functools as _functools
import logging as _logging
import sys as _sys

from absl.flags import *  # noqa: F403 - tf.flags is absl.flags, as in TensorFlow
from absl.flags import FLAGS as _ABSL_FLAGS
from absl.flags import DEFINE_boolean as _absl_define_boolean
from absl.flags import DEFINE_float as _absl_define_float
from absl.flags import DEFINE_integer as _absl_define_integer
from absl.flags import DEFINE_string as _absl_define_string
from absl.flags import disclaim_key_flags as _disclaim_key_flags

# Flags defined through this module belong to the calling script, not to this module.
_disclaim_key_flags()

_RENAMED_ARGUMENTS = {"flag_name": "name", "default_value": "default", "docstring": "help"}


def _accepting_old_names(define):
    """``define`` taking TF 1.0's keyword names too (``flag_name=``, ``default_value=``...)."""

    @_functools.wraps(define)
    def wrapper(*args, **kwargs):
        old = [name for name in _RENAMED_ARGUMENTS if name in kwargs]
        for name in old:
            kwargs[_RENAMED_ARGUMENTS[name]] = kwargs.pop(name)
        if old:
            _logging.warning(
                "Use of the keyword argument names (flag_name, default_value, docstring) is "
                "deprecated, please use (name, default, help) instead."
            )
        return define(*args, **kwargs)

    return wrapper


DEFINE_string = _accepting_old_names(_absl_define_string)
DEFINE_boolean = _accepting_old_names(_absl_define_boolean)
DEFINE_bool = DEFINE_boolean
DEFINE_float = _accepting_old_names(_absl_define_float)
DEFINE_integer = _accepting_old_names(_absl_define_integer)


class _FlagValuesWrapper:
    """absl's ``FLAGS``, except that reading a flag before parsing parses ``sys.argv``."""

    def __init__(self, flag_values):
        self.__dict__["_wrapped"] = flag_values

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            # Python's own probes (inspect.unwrap's ``__wrapped__``, copy's ``__deepcopy__``,
            # doctest's finder) are not flag reads and must not parse sys.argv.
            raise AttributeError(name)
        wrapped = self.__dict__["_wrapped"]
        if not wrapped.is_parsed():
            wrapped(_sys.argv)
        return getattr(wrapped, name)

    def __setattr__(self, name, value):
        setattr(self.__dict__["_wrapped"], name, value)

    def __delattr__(self, name):
        delattr(self.__dict__["_wrapped"], name)

    def __dir__(self):
        return dir(self.__dict__["_wrapped"])

    def __getitem__(self, name):
        return self.__dict__["_wrapped"][name]

    def __setitem__(self, name, flag):
        self.__dict__["_wrapped"][name] = flag

    def __contains__(self, name):
        return name in self.__dict__["_wrapped"]

    def __len__(self):
        return len(self.__dict__["_wrapped"])

    def __iter__(self):
        return iter(self.__dict__["_wrapped"])

    def __str__(self):
        return str(self.__dict__["_wrapped"])

    def __call__(self, *args, **kwargs):
        return self.__dict__["_wrapped"](*args, **kwargs)


FLAGS = _FlagValuesWrapper(_ABSL_FLAGS)
