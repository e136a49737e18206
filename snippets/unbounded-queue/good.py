"""A reader loads 200 image tiles (1 MB each) fast; a slower uploader sends them on."""
import asyncio

TILES = 200
TILE_BYTES = 1024 * 1024


async def reader(queue: asyncio.Queue[bytes | None]) -> None:
    for i in range(TILES):
        await asyncio.sleep(0.002)  # reading a tile is fast
        await queue.put(bytes([i % 256]) * TILE_BYTES)
        if i % 40 == 0:
            print(f"read tile {i:3d}, queue holds {queue.qsize()} tiles")
    await queue.put(None)


async def uploader(queue: asyncio.Queue[bytes | None]) -> None:
    sent = 0
    while (tile := await queue.get()) is not None:
        await asyncio.sleep(0.01)  # uploading a tile is slow
        sent += len(tile)
    print(f"uploaded {sent // 2**20} MB")


async def main() -> None:
    # FIX: when the queue is full, put() waits: the reader keeps pace with the uploader
    queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=8)
    await asyncio.gather(reader(queue), uploader(queue))


if __name__ == "__main__":
    asyncio.run(main())
