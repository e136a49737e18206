"""``asyncplay doctor``: which sandbox layers this machine gives a run."""

from __future__ import annotations

import argparse
import sys

NAME = "doctor"
HELP = "show which sandbox layers are active"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No flags of its own."""


def execute(args: argparse.Namespace) -> int:
    from playground import sandbox

    for label, use in (("default", None), ("without bubblewrap", False)):
        info = sandbox.detect(use_bwrap=use)
        print(f"sandbox ({label}):")
        for layer in info.layers:
            print(f"  + {layer}")
        for missing in info.missing:
            print(f"  - {missing}")
    print(f"python: {sys.executable} ({sys.version.split()[0]})")
    return 0
