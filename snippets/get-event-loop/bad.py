"""Fetch a greeting with the old-style loop set-up (still common in tutorials and legacy code)."""
import asyncio


async def greet(name: str) -> str:
    await asyncio.sleep(0.1)
    return f"hello, {name}"


def main() -> None:
    # MISTAKE: no loop is running here; get_event_loop() is not for creating one
    loop = asyncio.get_event_loop()
    try:
        print(loop.run_until_complete(greet("Ada")))
    finally:
        loop.close()


if __name__ == "__main__":
    main()
