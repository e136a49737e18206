# Writes one file, 1 MB at a time, until the disk or a limit says no.
block = b"\0" * (1024 * 1024)
with open("fill.bin", "wb") as f:
    while True:
        f.write(block)
