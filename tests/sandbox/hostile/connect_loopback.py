# Connects to a loopback port that is not the mock API: politely, then around the audit hook.
import asyncio
import os
import socket
import subprocess
import sys
import urllib.request

PORT = int("@PORT@")  # a listener the test started on 127.0.0.1, outside the sandbox
UDP_PORT = int("@UDP_PORT@")

with urllib.request.urlopen(os.environ["API_URL"] + "/users/1", timeout=5) as reply:
    print(f"mock API: HTTP {reply.status}")

try:
    socket.create_connection(("127.0.0.1", PORT), timeout=2).close()
    print("socket: connected")
except OSError as exc:
    print(f"socket: {type(exc).__name__}")


async def main() -> None:
    try:
        _r, w = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", PORT), 2)
        w.close()
        print("asyncio: connected")
    except OSError as exc:
        print(f"asyncio: {type(exc).__name__}")

asyncio.run(main())
try:
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"escaped", ("127.0.0.1", UDP_PORT))
    print("udp: sent")
except OSError as exc:
    print(f"udp: {type(exc).__name__}")
# a child interpreter has no audit hook: this meets the sandbox itself
code = f"import socket; socket.create_connection(('127.0.0.1', {PORT}), timeout=2)"
rc = subprocess.run([sys.executable, "-c", code], capture_output=True).returncode
print(f"subprocess connect: exit {rc}")
socket.create_connection(("127.0.0.1", PORT), timeout=2)  # uncaught: the run ends with this error
