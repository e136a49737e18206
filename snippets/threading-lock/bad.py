"""Two tasks withdraw from a shared account: read and write the balance as one step."""
import asyncio
import threading

balance = 100
lock = threading.Lock()  # MISTAKE: a thread lock: waiting for it blocks the whole loop


async def withdraw(name: str, amount: int) -> None:
    global balance
    print(f"{name}: waiting for the lock")
    with lock:
        current = balance
        await asyncio.sleep(0.2)  # ask the bank's server (the lock is still held)
        balance = current - amount
        print(f"{name}: withdrew {amount}, balance {balance}")


async def main() -> None:
    await asyncio.gather(withdraw("alice", 30), withdraw("bob", 50))
    print(f"final balance: {balance}")


if __name__ == "__main__":
    asyncio.run(main())
