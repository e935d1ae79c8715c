"""The ``%teachflow`` command line: its subcommands, their options, ``--help`` and errors.

Every subcommand takes ``--help`` (its usage and options, printed; the magic then does
nothing else), and a bad argument is a `UsageError` that shows the usage line of the
subcommand it belongs to and points to ``%teachflow?``:

    >>> from IPython.core.error import UsageError
    >>> try:
    ...     parse("cluster start --bogus 1")
    ... except UsageError as e:
    ...     print(e)
    unrecognized arguments: --bogus 1
    usage: %teachflow cluster start [-h] [--ps N] [--workers N] [--gpus N]
                                    [--simulated] [--gpu-profile NAME]
                                    [--in-process]
    (%teachflow cluster start --help lists its options; %teachflow? describes every subcommand)
    >>> parse("cluster start --help") is HELP_SHOWN  # doctest: +ELLIPSIS
    usage: %teachflow cluster start ...
    True
"""

from __future__ import annotations

import argparse

from IPython.core.error import UsageError
from IPython.core.magic_arguments import MagicArgumentParser, arg_split

__all__ = ["HELP_SHOWN", "build_parser", "parse"]

# What `parse` returns when it printed a --help instead of parsing a command to run.
HELP_SHOWN = argparse.Namespace(command=None)


class _HelpPrintedError(Exception):
    """argparse's --help ends with exit(); in a kernel that must not end anything."""


class _Parser(MagicArgumentParser):
    """A parser whose ``--help`` prints and returns, and whose errors teach."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("add_help", True)
        # IPython's formatter writes usage as reST for docstrings; a person reads this one.
        kwargs.setdefault("formatter_class", argparse.HelpFormatter)
        super().__init__(*args, **kwargs)

    def exit(self, status=0, message=None):
        raise _HelpPrintedError

    def error(self, message):
        raise UsageError(
            f"{message}\n{self.format_usage().rstrip()}\n"
            f"({self.prog} --help lists its options; %teachflow? describes every subcommand)"
        )


def _add(subparsers, name: str, prog: str, text: str):
    """A subcommand whose ``text`` heads its --help and names it in its parent's."""
    return subparsers.add_parser(name, prog=prog, help=text, description=text)


def build_parser() -> MagicArgumentParser:
    """The parser of ``%teachflow``'s line: one subparser per subcommand."""
    top = _Parser(prog="%teachflow", description="teachflow in a notebook: see %teachflow?")
    sub = top.add_subparsers(dest="command", required=True, metavar="SUBCOMMAND")

    cluster = _add(sub, "cluster", "%teachflow cluster", "Start, inspect or stop a local cluster.")
    actions = cluster.add_subparsers(dest="action", required=True, metavar="start|status|stop")
    start = _add(
        actions,
        "start",
        "%teachflow cluster start",
        "Start a cluster: one server process per task (or in-process servers), "
        "stored in the notebook as `cluster`.",
    )
    start.add_argument("--ps", type=int, metavar="N", help="parameter-server tasks (default 1)")
    start.add_argument("--workers", type=int, metavar="N", help="worker tasks (default 2)")
    start.add_argument(
        "--gpus", type=int, metavar="N", help="GPUs per worker task (real unless --simulated)"
    )
    start.add_argument("--simulated", action="store_true", help="simulate the --gpus GPUs")
    start.add_argument(
        "--gpu-profile", metavar="NAME", help="the simulated GPUs' card (k80, v100, ...)"
    )
    start.add_argument(
        "--in-process", action="store_true", help="tf.train.Server objects in this kernel"
    )
    status = _add(
        actions,
        "status",
        "%teachflow cluster status",
        "Every task of the cluster: address, up or down, devices, state it holds.",
    )
    status.add_argument("--timeout", type=float, metavar="S", help="seconds a task may take")
    _add(actions, "stop", "%teachflow cluster stop", "Stop every task of the cluster.")

    graph = _add(
        sub,
        "graph",
        "%teachflow graph",
        "The default graph, each node coloured by where the last run put it.",
    )
    graph.add_argument("--color-by", choices=("device", "task", "op"), default="device")
    graph.add_argument("--collapse", action="append", metavar="SCOPE", help="draw as one node")
    graph.add_argument("--edge-labels", action="store_true", help="dtype and shape on edges")
    graph.add_argument("--engine", choices=("auto", "python", "graphviz"), default="auto")

    placement = _add(
        sub,
        "placement",
        "%teachflow placement",
        "The last run's placement: node, op, requested device, device and why.",
    )
    placement.add_argument("--filter", metavar="TEXT", help="keep rows mentioning this text")

    timeline = _add(
        sub,
        "timeline",
        "%teachflow timeline",
        "The timeline of the last recorded runs; --on/--off switch recording.",
    )
    timeline.add_argument(
        "--steps", type=int, default=1, metavar="N", help="how many last steps to draw"
    )
    switch = timeline.add_mutually_exclusive_group()
    switch.add_argument("--on", action="store_true", help="record the next runs")
    switch.add_argument("--off", action="store_true", help="stop recording runs")

    board = _add(
        sub,
        "tensorboard",
        "%teachflow tensorboard",
        "Start TensorBoard on a FileWriter's directory and show it here.",
    )
    board.add_argument("logdir", nargs="?", help="the FileWriter's directory")
    board.add_argument("--port", type=int, help="port on 127.0.0.1 (default: a free one)")
    board.add_argument("--stop", action="store_true", help="stop the TensorBoards started here")

    trace = _add(
        sub,
        "trace",
        "%%teachflow trace",
        "Run the cell with a live timeline of every session run in it.",
    )
    trace.add_argument("--keep-steps", type=int, metavar="N", help="steps the timeline keeps")
    return top


def _subparsers(parser) -> dict:
    """``{name: parser}`` of ``parser``'s subcommands (none for a leaf)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _deepest(parser, words):
    """The parser of the subcommand that ``words`` name (``cluster start`` -> its parser)."""
    for word in words:
        found = _subparsers(parser).get(word)
        if found is None:
            break
        parser = found
    return parser


def parse(line: str, parser=None):
    """``line`` parsed: an ``argparse.Namespace``, or `HELP_SHOWN` after printing a --help.

    Raises `UsageError` (with the subcommand's usage line) for a bad argument.
    """
    parser = parser or build_parser()
    try:
        args, extra = parser.parse_known_args(arg_split(line))
    except _HelpPrintedError:
        return HELP_SHOWN
    if extra:
        # argparse blames the top parser; the usage to show is the subcommand's.
        words = [w for w in (getattr(args, "command", None), getattr(args, "action", None)) if w]
        _deepest(parser, words).error(f"unrecognized arguments: {' '.join(extra)}")
    return args
