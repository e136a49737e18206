"""The app's start in executed instructions, up to its first frame: a deterministic
companion to launch.py.

Wall and CPU time on a shared machine vary by tens of per cent from one start to the
next; valgrind's count of instructions does not. Each start runs in a tmux session of
its own (a real terminal, 160x48 unless told) under callgrind, through a wrapper that
ends the process (``os._exit``) as soon as the first frame is drawn: the drawing that
follows the main screen's first layout at the terminal's size (at once, or when the
batch that layout ran in ends). Counted: the interpreter's
start, the imports, building the app, composing and styling the first screen, its
first layout and that frame. A fixed hash seed and no address randomization make the
count repeatable to about 0.1%.

``--floor`` counts a Textual app of one ``Static`` in the same way (the machine's
floor: Python, Textual's import and one frame); ``--python DIR`` another checkout
(``PYTHONPATH=DIR``, with this venv's Python), for a before and after.

    .venv/bin/python benchmarks/launch_instructions.py [--python DIR] [--floor] [--size 80x24]

Needs valgrind and tmux; one start takes a minute or two under valgrind.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import time

from launch import checkout, start_session, tmux, wrapper_file

# The wrapper: the real command line's app (or the floor's), ended at its first frame.
WRAPPER = """\
import os, sys
from textual.screen import Screen

laid_out = Screen._refresh_layout
drawn = Screen._compositor_refresh
at_size = []

def layout_at_size(self, size=None, scroll=False):
    if size is not None:  # the layout at the terminal's size: its drawing is the first frame
        at_size.append(self)
    laid_out(self, size, scroll)

def first_frame_ends_it(self):
    # Drawn right after that layout, or (a layout made in a batch) once the batch ends.
    drawn(self)
    if at_size:
        os._exit(0)

Screen._refresh_layout = layout_at_size
Screen._compositor_refresh = first_frame_ends_it
if sys.argv[1:] == ["--floor"]:
    from textual.app import App
    from textual.widgets import Static

    class Hello(App[None]):
        def compose(self):
            yield Static("Hello")

    Hello().run()
else:
    from playground import cli
    cli.app.launch(cli.parse(sys.argv[1:])).run()
"""


def count(python: str, env: str, size: str, args: list[str]) -> int:
    session = f"launch-ir-{os.getpid()}"
    with wrapper_file(WRAPPER) as wrapper:
        log = wrapper.parent / "callgrind.log"
        words = ["setarch", "-R", "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                 python, str(wrapper), *args]
        start_session(session, size, f"PYTHONHASHSEED=0 {env}", words, cwd=wrapper.parent, stderr=log)
        deadline = time.monotonic() + 600
        while session in tmux("list-sessions", "-F", "#{session_name}").split():
            if time.monotonic() > deadline:
                tmux("kill-session", "-t", session)
                raise TimeoutError("no first frame in 10 minutes")
            time.sleep(0.5)
        found = re.search(r"Collected : (\d+)", log.read_text())
        if found is None:
            raise RuntimeError(f"callgrind printed no count:\n{log.read_text()[-2000:]}")
        return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--size", default="160x48")
    parser.add_argument("--python", default=None, metavar="DIR",
                        help="start the app of this checkout (PYTHONPATH=DIR) with this venv's Python")
    parser.add_argument("--floor", action="store_true", help="a Textual app of one Static instead")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("args", nargs="*", help="the app's own arguments (default: --no-predict)")
    args = parser.parse_args()
    for tool in ("valgrind", "tmux", "setarch"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is needed and not installed")
    python, env = checkout(args.python)
    app_args = ["--floor"] if args.floor else (args.args or ["--no-predict"])
    for _ in range(args.rounds):
        print(f"instructions to the first frame: {count(python, env, args.size, app_args):,}",
              flush=True)


if __name__ == "__main__":
    main()
