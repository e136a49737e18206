# One 64 MB line with no newline before its end.
import sys

size = 64 * 1024 * 1024
sys.stdout.write("BEGIN" + "a" * (size - 8) + "END")
sys.stdout.flush()
