# Ignores SIGTERM and SIGINT, then never ends.
import signal
import time

signal.signal(signal.SIGTERM, signal.SIG_IGN)
signal.signal(signal.SIGINT, signal.SIG_IGN)
print("signals ignored", flush=True)
while True:
    time.sleep(0.1)
