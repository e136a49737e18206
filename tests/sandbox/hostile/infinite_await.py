# Awaits an Event nobody will ever set: idle, not busy, and never done.
import asyncio


async def main() -> None:
    await asyncio.Event().wait()


asyncio.run(main())
