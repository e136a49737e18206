# An infinite CPU loop: the event loop never gets a turn again.
while True:
    pass
