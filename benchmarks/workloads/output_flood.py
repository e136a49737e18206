"""An output flood: 200,000 short lines printed as fast as the pipe takes them
(44 bytes each: the run reaches the 8 MB output limit before the last)."""

import asyncio


async def main() -> None:
    for i in range(200_000):
        print(f"line {i:>7} of a flood, printed at once....")
        if i % 1000 == 0:
            await asyncio.sleep(0)


asyncio.run(main())
