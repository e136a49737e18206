# Double fork + setsid: a daemon that tries to outlive the run (and holds stdout).
import os
import signal
import time

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        while True:
            time.sleep(1)
    os._exit(0)
os.wait()
print("daemon started, the snippet exits")
