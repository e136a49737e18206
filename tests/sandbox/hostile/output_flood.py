# 300 MB on stdout, as fast as the pipe takes it.
import sys

chunk = b"x" * (1024 * 1024 - 1) + b"\n"
for _ in range(300):
    sys.stdout.buffer.write(chunk)
