"""Fetch a greeting with the old-style loop set-up (still common in tutorials and legacy code)."""
import asyncio


async def greet(name: str) -> str:
    await asyncio.sleep(0.1)
    return f"hello, {name}"


def main() -> None:
    # FIX: asyncio.run() creates the loop, runs the coroutine, then cleans up and closes it
    print(asyncio.run(greet("Ada")))


if __name__ == "__main__":
    main()
