# Reads stdin: must get EOF at once, not wait for a terminal.
import sys

data = sys.stdin.read()
print(f"stdin gave {len(data)} bytes")
try:
    input("> ")
except EOFError:
    print("input() got EOF")
