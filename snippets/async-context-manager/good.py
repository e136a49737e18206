"""Three workers each open a database connection, run a query and close it."""
import asyncio
import time


class Connection:
    """A connection to a (pretend) database server, used with `async with`."""

    def __init__(self, name: str) -> None:
        self.name = name

    async def __aenter__(self) -> "Connection":
        await asyncio.sleep(0.4)  # FIX: an async connect (like an asyncio driver) just waits
        print(f"{self.name}: connected")
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await asyncio.to_thread(time.sleep, 0.2)  # FIX: a blocking close moved to a thread
        print(f"{self.name}: closed")

    async def query(self, sql: str) -> list[tuple[int, str]]:
        await asyncio.sleep(0.1)  # the query itself is properly async
        return [(1, "ok")]


async def worker(name: str) -> None:
    async with Connection(name) as conn:
        rows = await conn.query("SELECT 1")
        print(f"{name}: {rows}")


async def main() -> None:
    await asyncio.gather(*(worker(f"worker-{i}") for i in range(3)))


if __name__ == "__main__":
    asyncio.run(main())
