"""asyncplay: a terminal playground that shows what Python's asyncio event loop does."""

__version__ = "0.1.0"
