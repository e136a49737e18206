"""Two tasks withdraw from a shared account: read and write the balance as one step."""
import asyncio

balance = 100


async def withdraw(lock: asyncio.Lock, name: str, amount: int) -> None:
    global balance
    print(f"{name}: waiting for the lock")
    async with lock:  # FIX: an asyncio.Lock: a task waiting for it lets the others run
        current = balance
        await asyncio.sleep(0.2)  # ask the bank's server (the lock is still held)
        balance = current - amount
        print(f"{name}: withdrew {amount}, balance {balance}")


async def main() -> None:
    lock = asyncio.Lock()
    await asyncio.gather(withdraw(lock, "alice", 30), withdraw(lock, "bob", 50))
    print(f"final balance: {balance}")


if __name__ == "__main__":
    asyncio.run(main())
