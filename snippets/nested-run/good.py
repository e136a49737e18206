"""Load the app's settings, then start up."""
import asyncio


async def fetch_settings() -> dict:
    await asyncio.sleep(0.3)  # pretend to read them from a remote config service
    return {"theme": "dark", "workers": 4}


async def load_settings() -> dict:
    # FIX: inside async code, await the coroutine on the loop that is already running
    return await fetch_settings()


async def main() -> None:
    print("starting up...")
    settings = await load_settings()
    print(f"settings: {settings}")


if __name__ == "__main__":
    asyncio.run(main())
