"""The probe: instrumentation that runs *inside* the snippet's child process.

``python -I -m playground.probe [--origin PATH] [--stall-ms MS] [--handoff-fd FD] FILE``

It installs an event-loop policy whose loops time every callback, tracks every task,
samples loop lag with a heartbeat, and turns asyncio's warnings into events; then it
runs the snippet as ``__main__``. A watchdog thread owns the clock and the writer, so
it keeps reporting (and names the blocking line) while the snippet's loop is stuck.

Standard library only, plus :mod:`playground.protocol`.
"""
