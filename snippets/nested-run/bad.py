"""Load the app's settings, then start up."""
import asyncio


async def fetch_settings() -> dict:
    await asyncio.sleep(0.3)  # pretend to read them from a remote config service
    return {"theme": "dark", "workers": 4}


def load_settings() -> dict:
    # A helper written for a plain script, now called from async code.
    return asyncio.run(fetch_settings())  # MISTAKE: a loop is already running here


async def main() -> None:
    print("starting up...")
    settings = load_settings()
    print(f"settings: {settings}")


if __name__ == "__main__":
    asyncio.run(main())
