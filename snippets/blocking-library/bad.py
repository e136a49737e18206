"""Run a slow database report (sqlite3, a blocking library) while a heartbeat ticks every 0.1 s."""
import asyncio
import sqlite3

# A slow query: SQLite counts through 1.5 million generated rows (most of a second).
REPORT = """
    WITH RECURSIVE orders(id) AS (
        SELECT 1 UNION ALL SELECT id + 1 FROM orders WHERE id < 1500000
    )
    SELECT count(*), sum(id % 7) FROM orders
"""


def run_report() -> tuple[int, int]:
    with sqlite3.connect("shop.db") as db:
        return db.execute(REPORT).fetchone()


async def heartbeat() -> None:
    for i in range(12):
        print(f"heartbeat {i}")
        await asyncio.sleep(0.1)


async def report() -> None:
    await asyncio.sleep(0.2)
    count, total = run_report()  # MISTAKE: the driver blocks until SQLite is done
    print(f"report: {count} orders, checksum {total}")


async def main() -> None:
    await asyncio.gather(heartbeat(), report())


if __name__ == "__main__":
    asyncio.run(main())
