"""The ``teachflow`` command: ``teachflow demo``.

teachflow demo     run the chapter's small graphs in this terminal
"""

from __future__ import annotations

import argparse


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="teachflow", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="run the chapter's small graphs and print what happened")
    args = parser.parse_args(argv)
    if args.command == "demo":
        from teachflow import demo

        demo.main()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
