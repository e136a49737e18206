# Tries to kill its parent, pid 1 and asyncplay itself, then everything it can.
import os
import signal

refused = 0
for label, pid in (("parent", os.getppid()), ("pid 1", 1), ("asyncplay", int("@PARENT@"))):
    try:
        os.kill(pid, signal.SIGKILL)
        print(f"kill {label} ({pid}): sent")
    except OSError as exc:
        refused += 1
        print(f"kill {label} ({pid}): {exc.strerror}")
# kill(-1) signals every process this one may signal (the kernel skips the caller).
# Only tried when the sandbox has just refused the pointed kills, so that a broken
# sandbox fails the test above instead of taking the machine down.
if refused == 3:
    try:
        os.kill(-1, signal.SIGKILL)
        print("kill -1: sent")
    except OSError as exc:
        print(f"kill -1: {exc.strerror}")
print("still here")
