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
        # MISTAKE: when one part fails, gather raises but the others keep running
        parts = await asyncio.gather(
            fetch_part("header", 0.4),
            fetch_part("body", 1.0),
            fetch_part("footer", 0.1, True),
        )
        print(f"report: {parts}")
    except ValueError as exc:
        print(f"report failed: {exc}")
    await asyncio.sleep(1.5)  # the program goes on with other work
    print("other work finished")


if __name__ == "__main__":
    asyncio.run(main())
