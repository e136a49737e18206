"""Look up the address of every host in a crawl list while a heartbeat ticks every 0.1 s."""
import asyncio
import socket

# Here every name is answered from /etc/hosts in well under a millisecond, so many
# lookups stand in for one real DNS query (which can wait seconds for a server).
HOSTS = ["localhost"] * 1_500


async def heartbeat() -> None:
    for i in range(12):
        print(f"heartbeat {i}")
        await asyncio.sleep(0.1)


async def resolve_all() -> None:
    await asyncio.sleep(0.2)
    addresses = set()
    for host in HOSTS:
        infos = socket.getaddrinfo(host, "https")  # MISTAKE: waits for the resolver, loop held
        addresses.add(infos[0][4][0])
    print(f"resolved {len(HOSTS)} names to {sorted(addresses)}")


async def main() -> None:
    await asyncio.gather(heartbeat(), resolve_all())


if __name__ == "__main__":
    asyncio.run(main())
