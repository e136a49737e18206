"""The probe: instrumentation that runs *inside* the snippet's child process.

``python -I -m playground.probe [--origin PATH] [--stall-ms MS] [--handoff-fd FD] FILE``
(and, for measurements only, ``--clock thread``, ``--flush-ms MS``, ``--heartbeat-ms MS``)

It installs an event-loop policy whose loops time every callback, track every task,
sample loop lag with a heartbeat, and turn asyncio's warnings into events; then it
runs the snippet as ``__main__``. A 10 ms tick (the kernel's interval timer, or a
watchdog thread) owns the clock and the writer, so it keeps reporting (and names the
blocking line) while the snippet's loop is stuck.

Standard library only, plus :mod:`playground.protocol`.
"""
