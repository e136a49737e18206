"""One viewer's app process, spoken to in textual-serve's protocol.

textual-serve's ``AppService`` starts its command through a shell, in the server's
process group, and stops it by asking the app to quit and waiting. A viewer that has
gone must not keep anything running, so this one starts the app directly (no shell
between), in a session of its own (its whole group can be killed at once), with the
viewer's own environment; :meth:`finish` only waits for the relay to drain after the
server killed the group.
"""

from __future__ import annotations

import asyncio
from asyncio.subprocess import PIPE, Process
from typing import Any

from textual_serve.app_service import AppService

__all__ = ["ViewerApp"]


class ViewerApp(AppService):
    """textual-serve's app service, started without a shell in a session of its own."""

    def __init__(self, argv: list[str], env: dict[str, str], **kwargs: Any) -> None:
        super().__init__(" ".join(argv), **kwargs)
        self._argv = argv
        self._env = env

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Process:
        environment = self._build_environment(width=width, height=height)
        environment.update(self._env)
        self._process = process = await asyncio.create_subprocess_exec(
            *self._argv, stdin=PIPE, stdout=PIPE, stderr=PIPE, env=environment,
            start_new_session=True,
        )
        assert process.stdin is not None
        self._stdin = process.stdin
        return process

    async def start_app(self, width: int, height: int) -> Process:
        """Start the app process and the relay of its output; returns the process."""
        await self.start(width, height)
        assert self._process is not None
        return self._process

    async def finish(self) -> None:
        """Wait for the relay of the (killed) app's output to end."""
        if self._task is not None:
            await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
            await self._task
            self._task = None
