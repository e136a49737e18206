# Grabs memory 64 MB at a time, touching every page, until something gives.
blocks = []
while True:
    blocks.append(bytearray(64 * 1024 * 1024))
