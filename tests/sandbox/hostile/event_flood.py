# Floods the event channel with well-formed events: lag samples, tasks, stalls and
# warnings by the million, until the time limit.
import json
import os
import stat

fds = []
for name in os.listdir("/proc/self/fd"):
    fd = int(name)
    try:
        if fd >= 3 and stat.S_ISFIFO(os.fstat(fd).st_mode):
            fds.append(fd)
    except OSError:
        pass
lag = json.dumps({"kind": "lag", "t": 1.0, "samples_ms": [1.5] * 60000}).encode() + b"\n"
n = 0
while True:
    base = n * 2000
    tasks = {"kind": "tasks", "t": 1.0,
             "new": [[base + i, "t", "c", None, "f", 1] for i in range(2000)], "upd": []}
    stalls = "".join(json.dumps({"kind": "stall", "t": 1.0, "id": base + i, "ms": 60, "task": "x",
                                 "file": "f", "line": 1, "code": "c"}) + "\n" for i in range(500))
    chunk = lag + json.dumps(tasks).encode() + b"\n" + stalls.encode()
    for fd in fds:
        try:
            os.write(fd, chunk)
        except OSError:
            pass
    n += 1
