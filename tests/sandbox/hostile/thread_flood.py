# Starts sleeping threads until the system refuses.
import threading
import time

threads = []
while True:
    t = threading.Thread(target=time.sleep, args=(600,), daemon=True)
    t.start()
    threads.append(t)
