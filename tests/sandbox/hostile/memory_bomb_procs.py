# Memory spread over processes, each under the per-process limit, together over the
# run's memory limit: only the memory cgroup (the kernel's OOM killer) stops it.
import os
import time

MB = 1024 * 1024
ready_r, ready_w = os.pipe()
for _ in range(2):
    if os.fork() == 0:
        held = b"x" * (120 * MB)  # resident, not just reserved
        os.write(ready_w, b".")
        time.sleep(60)
        os._exit(0)
os.read(ready_r, 1)
os.read(ready_r, 1)
print("children hold 240 MB", flush=True)
held = []
for _ in range(28):
    held.append(b"x" * (16 * MB))
print("still alive with", 16 * len(held), "MB")
