"""Serve requests while a background task warms up the cache."""
import asyncio


async def warm_cache() -> None:
    await asyncio.sleep(0.2)  # connecting to the cache server...
    raise ConnectionError("cache server refused the connection")


async def serve() -> None:
    for i in range(5):
        await asyncio.sleep(0.1)
        print(f"request {i} served")


async def main() -> None:
    warming = asyncio.create_task(warm_cache())  # MISTAKE: kept, but never awaited
    await serve()
    print(f"all served; warm-up finished: {warming.done()}")


if __name__ == "__main__":
    asyncio.run(main())
