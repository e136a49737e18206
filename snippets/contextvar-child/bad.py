"""Handle a request: authenticate the caller while the page's settings load, then greet them."""
import asyncio
from contextvars import ContextVar

current_user: ContextVar[str] = ContextVar("current_user")
USERS = {"token-1": "Ada", "token-2": "Grace"}


async def authenticate(token: str) -> None:
    await asyncio.sleep(0.1)  # asks the auth service
    # MISTAKE: gather runs this in a child task, which sets the variable in its own
    # copy of the context; the parent's context never sees it
    current_user.set(USERS[token])


async def load_theme() -> str:
    await asyncio.sleep(0.1)
    return "dark"


async def handle(token: str) -> None:
    _, theme = await asyncio.gather(authenticate(token), load_theme())
    print(f"hello {current_user.get()}, theme {theme}")  # LookupError: the variable is not set here


if __name__ == "__main__":
    asyncio.run(handle("token-1"))
