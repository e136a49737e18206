"""Build a report from three parts fetched at once; it is useless if one part fails."""
import asyncio


async def fetch_part(name: str, seconds: float, broken: bool = False) -> str:
    print(f"{name}: fetching")
    await asyncio.sleep(seconds)
    if broken:
        raise ValueError(f"{name}: corrupt data")
    print(f"{name}: done, {seconds} s of work")
    return name


async def main() -> None:
    try:
        # FIX: when one task of the group fails, the group cancels the others
        async with asyncio.TaskGroup() as group:
            tasks = [
                group.create_task(fetch_part("header", 0.4)),
                group.create_task(fetch_part("body", 1.0)),
                group.create_task(fetch_part("footer", 0.1, True)),
            ]
        print(f"report: {[task.result() for task in tasks]}")
    except* ValueError as failed:
        print(f"report failed: {failed.exceptions[0]}")
    await asyncio.sleep(1.5)  # the program goes on with other work
    print("other work finished")


if __name__ == "__main__":
    asyncio.run(main())
