"""The Textual front end of asyncplay.

``AsyncPlayApp`` (in :mod:`playground.tui.app`) is the app; the other modules are
its parts: lesson list and texts, run panes and their panels, modal screens, the
messages runs post, and the formatting of run facts.
"""
