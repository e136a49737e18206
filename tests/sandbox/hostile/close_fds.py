# Closes every file descriptor above stderr (the event channel among them), then goes on.
import asyncio
import os

os.closerange(3, 65536)


async def main() -> None:
    await asyncio.sleep(0.05)
    print("still running after closing every fd")


asyncio.run(main())
