"""A plugin API offers a plain function that fetches a price from async code."""
import asyncio


async def fetch_price(item: str) -> float:
    await asyncio.sleep(0.2)  # ask the price service
    return {"apple": 0.5, "pear": 0.8}[item]


def get_price(loop: asyncio.AbstractEventLoop, item: str) -> float:
    """For plugins that run in worker threads: they cannot await."""
    future = asyncio.run_coroutine_threadsafe(fetch_price(item), loop)
    return future.result()  # blocks this thread until the loop has run fetch_price()


async def main() -> None:
    loop = asyncio.get_running_loop()
    print("pricing apples...")
    # MISTAKE: called on the loop's own thread, get_price() blocks the loop it waits for
    print(f"apple: {get_price(loop, 'apple')}")


if __name__ == "__main__":
    asyncio.run(main())
