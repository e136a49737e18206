"""Look up the address of every host in a crawl list while a heartbeat ticks every 0.1 s."""
import asyncio

# Here every name is answered from /etc/hosts in well under a millisecond, so many
# lookups stand in for one real DNS query (which can wait seconds for a server).
HOSTS = ["localhost"] * 1_500


async def heartbeat() -> None:
    for i in range(12):
        print(f"heartbeat {i}")
        await asyncio.sleep(0.1)


async def resolve(loop: asyncio.AbstractEventLoop, host: str) -> str:
    # FIX: the loop's resolver runs the lookup in a worker thread and awaits it
    infos = await loop.getaddrinfo(host, "https")
    return infos[0][4][0]


async def resolve_all() -> None:
    await asyncio.sleep(0.2)
    loop = asyncio.get_running_loop()
    addresses = set()
    for host in HOSTS:
        addresses.add(await resolve(loop, host))
    print(f"resolved {len(HOSTS)} names to {sorted(addresses)}")


async def main() -> None:
    await asyncio.gather(heartbeat(), resolve_all())


if __name__ == "__main__":
    asyncio.run(main())
