"""Handle a request: authenticate the caller while the page's settings load, then greet them."""
import asyncio
from contextvars import ContextVar

current_user: ContextVar[str] = ContextVar("current_user")
USERS = {"token-1": "Ada", "token-2": "Grace"}


async def authenticate(token: str) -> str:
    await asyncio.sleep(0.1)  # asks the auth service
    return USERS[token]  # FIX: hand the value back to the caller


async def load_theme() -> str:
    await asyncio.sleep(0.1)
    return "dark"


async def handle(token: str) -> None:
    user, theme = await asyncio.gather(authenticate(token), load_theme())
    current_user.set(user)  # FIX: set it in this task's context, where the code below reads it
    print(f"hello {current_user.get()}, theme {theme}")


if __name__ == "__main__":
    asyncio.run(handle("token-1"))
