"""A service runs three workers until it is told to stop (here a SIGTERM after 0.5 s)."""
import asyncio
import os
import signal


async def worker(name: str) -> None:
    done = 0
    try:
        while True:
            await asyncio.sleep(0.1)  # handles one job
            done += 1
    finally:
        print(f"{name}: saved progress after {done} jobs")  # cleanup that must run


def main() -> None:
    loop = asyncio.new_event_loop()
    workers = [loop.create_task(worker(name)) for name in ("a", "b", "c")]
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    loop.call_later(0.5, os.kill, os.getpid(), signal.SIGTERM)  # as a supervisor would
    loop.run_forever()
    # MISTAKE: closing the loop with the workers still pending: they are destroyed
    # later, and their cleanup never runs
    loop.close()
    print(f"service: stopped, {sum(not w.done() for w in workers)} workers never finished")


if __name__ == "__main__":
    main()
