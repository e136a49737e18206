"""Send 64 MB of records over a socket to a collector (here in the same program)."""
import asyncio
import socket

DATA = b"." * (64 * 1024 - 8)  # the body of a 64 KiB record


async def collector(sock: socket.socket) -> None:
    reader, writer = await asyncio.open_connection(sock=sock)
    total = 0
    while data := await reader.read(1 << 16):
        total += len(data)
    print(f"collector: received {total >> 20} MB")
    writer.close()


async def main() -> None:
    ours, theirs = socket.socketpair()  # a connected pair, like a TCP connection
    collecting = asyncio.create_task(collector(theirs))
    _, writer = await asyncio.open_connection(sock=ours)
    for i in range(1024):
        record = b"%07d\n" % i + DATA  # a new 64 KiB record each time
        writer.write(record)  # MISTAKE: never waits for the peer: the data piles up in memory
        if i % 256 == 255:
            print(f"sender: {i + 1} records written, "
                  f"{writer.transport.get_write_buffer_size() >> 20} MB waiting in the buffer")
    writer.close()
    await writer.wait_closed()
    await collecting


if __name__ == "__main__":
    asyncio.run(main())
