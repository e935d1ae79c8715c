"""``python -m teachflow``: the ``teachflow`` command (see `teachflow.cli`)."""

from teachflow.cli import main

raise SystemExit(main())
