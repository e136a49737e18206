"""`python -m playground` is `asyncplay`."""

from playground.cli import main

raise SystemExit(main())
