"""The garbage collector paused while the app starts, then told to skip what it built.

Start-up makes some 150,000 objects that live as long as the app: modules, classes,
widgets, styles. Collecting while they are made cost about a fifth of the start-up's
CPU (two full collections and dozens of younger ones) and found next to nothing to
free (about 9,000 objects, under 1 MB). So a process that runs the app pauses the
collector before its imports (:func:`pause`) and, once the first frame is drawn,
:func:`resume` moves everything alive into the permanent generation (``gc.freeze``),
which later collections skip too, and turns the collector back on. The little
garbage made during start-up stays: a one-off cost, not a growing one.

Only what :func:`pause` paused is resumed: an app built in a test (the collector on)
is left alone.
"""

from __future__ import annotations

import gc

__all__ = ["pause", "resume"]

_paused = False


def pause() -> None:
    """Pause the collector (if it is on) until :func:`resume`."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    """Freeze what start-up built and turn the collector back on, if :func:`pause` paused it."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()
