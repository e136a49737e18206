# Raw bytes that are not UTF-8, on both streams.
import sys

sys.stdout.buffer.write(b"before " + bytes(range(256)) * 64 + b" \xff\xfe\xc3 after\n")
sys.stderr.buffer.write(b"\x80\x81 bad stderr \xed\xa0\x80\n")
sys.stdout.buffer.flush()
sys.stderr.buffer.flush()
