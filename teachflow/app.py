"""``tf.app``: the entry point of a TF1 script, ``tf.app.run(main)``.

``run`` parses the command line into ``tf.app.flags.FLAGS`` (flags it does not know are
left for ``main``, not an error, as in TensorFlow), then calls ``main(argv)`` with what is
left and exits with its return value. ``--help`` prints the script's flags and exits.

    >>> import teachflow as tf
    >>> def main(argv):
    ...     print("task", tf.app.flags.FLAGS.task_index)
    >>> if __name__ == "__main__":  # doctest: +SKIP
    ...     tf.app.flags.DEFINE_integer("task_index", 0, "Index of task within the job")
    ...     tf.app.run(main)  # python script.py --task_index=1 prints "task 1"
"""

import sys as _sys

from absl.app import run as _absl_run

from teachflow import flags

__all__ = ["flags", "run"]


def _parse_flags_tolerate_undef(argv):
    # absl stops at an unknown flag; TensorFlow passes it on to main instead.
    return flags.FLAGS(_sys.argv if argv is None else argv, known_only=True)


def run(main=None, argv=None):
    """Parse flags, then ``sys.exit(main(argv))``; ``main`` defaults to ``__main__.main``."""
    main = main or _sys.modules["__main__"].main
    _absl_run(main=main, argv=argv, flags_parser=_parse_flags_tolerate_undef)
