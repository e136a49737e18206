"""Place three orders; each sends a receipt and updates the stock in the background."""
import asyncio

background: set[asyncio.Task] = set()


async def send_receipt(order: int) -> None:
    await asyncio.sleep(0.1)
    if order == 2:
        raise ConnectionError("the mail server refused the connection")
    print(f"order {order}: receipt sent")


async def update_stock(order: int) -> None:
    await asyncio.sleep(0.05)
    print(f"order {order}: stock updated")


def fire_and_forget(coro) -> None:
    task = asyncio.create_task(coro)
    background.add(task)
    # MISTAKE: the task is kept alive, but nobody ever looks at how it ended
    task.add_done_callback(background.discard)


async def place_order(order: int) -> None:
    fire_and_forget(send_receipt(order))
    fire_and_forget(update_stock(order))
    print(f"order {order}: placed")


async def main() -> None:
    for order in (1, 2, 3):
        await place_order(order)
    await asyncio.sleep(0.5)  # the rest of the program
    print("done: every order placed and confirmed")


if __name__ == "__main__":
    asyncio.run(main())
