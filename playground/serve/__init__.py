"""Serving the app to a room's browsers: the web server, the run queue, the room.

``server`` (textual-serve's page and websocket, one app process per tab, the token),
``viewer`` (one tab's app process), ``back`` (the back channel the app processes talk
to the server over), ``queue`` (the server-wide cap on runs), ``room`` (the presenter's
lesson and the tally of answers), ``link`` (an app process's end of the back channel)
and ``orphans`` (the server reaps what its viewers' runs leave).
"""
