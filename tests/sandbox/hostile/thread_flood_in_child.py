# A child process starts threads until the system refuses, while the parent waits.
import os
import threading
import time

if os.fork() == 0:
    threads = []
    while True:
        t = threading.Thread(target=time.sleep, args=(600,), daemon=True)
        t.start()
        threads.append(t)
time.sleep(600)
