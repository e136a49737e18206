# Starts long-lived child processes until the system refuses.
import subprocess
import sys

children = []
while True:
    children.append(subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"]))
