"""Save three high scores, then report."""
import asyncio

SCORES = {"ada": 42, "grace": 37, "alan": 29}


async def save_score(player: str, score: int) -> None:
    await asyncio.sleep(0.3)  # pretend to write to a database
    print(f"saved {player}: {score}")


async def main() -> None:
    for player, score in SCORES.items():
        save_score(player, score)  # MISTAKE: only creates a coroutine object; it never runs
    print(f"done: {len(SCORES)} scores saved?")


if __name__ == "__main__":
    asyncio.run(main())
