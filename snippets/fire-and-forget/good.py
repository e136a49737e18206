"""Place three orders; each sends a receipt and updates the stock in the background."""
import asyncio


async def send_receipt(order: int) -> None:
    await asyncio.sleep(0.1)
    if order == 2:
        raise ConnectionError("the mail server refused the connection")
    print(f"order {order}: receipt sent")


async def update_stock(order: int) -> None:
    await asyncio.sleep(0.05)
    print(f"order {order}: stock updated")


async def place_order(order: int) -> None:
    # FIX: the task group waits for its tasks and raises what they raised
    async with asyncio.TaskGroup() as tg:
        tg.create_task(send_receipt(order))
        tg.create_task(update_stock(order))
    print(f"order {order}: placed")


async def main() -> None:
    failed = []
    for order in (1, 2, 3):
        try:
            await place_order(order)
        except* ConnectionError as group:
            print(f"order {order}: FAILED: {group.exceptions[0]}")
            failed.append(order)
    await asyncio.sleep(0.5)  # the rest of the program
    print(f"done: orders {failed} need attention" if failed else "done: all confirmed")


if __name__ == "__main__":
    asyncio.run(main())
