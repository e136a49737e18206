import asyncio


async def main() -> int:
    await asyncio.sleep(0)
    return 42


print(asyncio.run(main()))
