"""A hub forwards news to three listeners that run as background tasks."""
import asyncio
import gc
import weakref


class Hub:
    """Sends each message to every subscribed queue (held weakly, so none leaks)."""

    def __init__(self) -> None:
        self.queues: weakref.WeakSet[asyncio.Queue[str]] = weakref.WeakSet()

    def publish(self, message: str) -> None:
        for queue in self.queues:
            queue.put_nowait(message)


async def listener(hub: Hub, name: str) -> None:
    queue: asyncio.Queue[str] = asyncio.Queue()
    hub.queues.add(queue)
    while (message := await queue.get()) != "bye":
        print(f"{name} got {message!r}")


async def main() -> None:
    hub = Hub()
    async with asyncio.TaskGroup() as group:
        for name in ("ann", "bob", "cat"):
            group.create_task(listener(hub, name))  # FIX: the group holds (and awaits) it
        await asyncio.sleep(0.1)
        gc.collect()  # the collector runs whenever allocations add up; here, every time
        for message in ("hello", "news", "bye"):
            print(f"{message!r} -> {len(hub.queues)} listeners")
            hub.publish(message)
            await asyncio.sleep(0.1)


if __name__ == "__main__":
    asyncio.run(main())
