"""Serving the app to a room's browsers: the web server, the run queue, the room.

``server`` (textual-serve's page and websocket, one app process per tab, the token),
``viewer`` (one tab's app process), ``queue`` (the server-wide cap on runs), ``room``
(the presenter's lesson and the tally of answers) and ``link`` (what an app process
uses to talk back to the server).
"""
