"""``python -m playground.mockapi``: serve the mock API by hand until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

from playground.mockapi.server import MockAPI, is_loopback_host


async def _serve_forever(
    host: str, port: int, latency_ms: float, seed: int, access_log: bool
) -> None:
    # Ctrl-C and SIGTERM through the loop's own signal handling: it wakes the loop
    # through a pipe. asyncio.run's SIGINT handler does not, so a signal that lands on
    # another thread (the default executor's, which looked up the address) left the
    # loop asleep with no timer to wake it: the server did not stop.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, stop.set)
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # no such signal handling here (Windows, not the main thread)
    async with MockAPI(latency_ms=latency_ms, seed=seed, access_log=access_log) as api:
        site = await api.listen(host, port)
        print(f"mock API on {site.url}  (API_URL={site.url}; Ctrl-C to stop)", flush=True)
        await stop.wait()


def main(argv: list[str] | None = None) -> int:
    """``python -m playground.mockapi``: serve the mock API by hand until Ctrl-C."""
    parser = argparse.ArgumentParser(
        prog="python -m playground.mockapi", description="Serve the asyncplay mock API."
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 = any)")
    parser.add_argument("--latency-ms", type=float, default=100.0, help="default latency")
    parser.add_argument("--seed", type=int, default=0, help="shifts the /flaky schedule")
    parser.add_argument("--quiet", action="store_true", help="no access log")
    args = parser.parse_args(argv)
    if not is_loopback_host(args.host):
        parser.error(f"--host must be a loopback address, not {args.host!r}")
    if not args.quiet:
        logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    try:
        asyncio.run(
            _serve_forever(args.host, args.port, args.latency_ms, args.seed, not args.quiet)
        )
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
