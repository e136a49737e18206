"""Three workers each open a database connection, run a query and close it."""
import asyncio
import time


class Connection:
    """A connection to a (pretend) database server, used with `async with`."""

    def __init__(self, name: str) -> None:
        self.name = name

    async def __aenter__(self) -> "Connection":
        time.sleep(0.4)  # MISTAKE: a blocking connect (like a sync driver) stalls the loop
        print(f"{self.name}: connected")
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        time.sleep(0.2)  # MISTAKE: a blocking close, same problem
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
