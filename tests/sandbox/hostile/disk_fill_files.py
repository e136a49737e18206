# Fills the disk with many files, each below the file-size limit.
block = b"\0" * (1024 * 1024)
n = 0
while True:
    with open(f"fill-{n}.bin", "wb") as f:
        for _ in range(4):
            f.write(block)
    n += 1
