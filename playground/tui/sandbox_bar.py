"""The sandbox bar: which isolation layers runs get on this machine, missing ones first.

It shows what the machine allows until a run's session says which layers the run
has (as the run starts, not when it ends), and then those; it redraws only when
they change.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from textual.content import Content
from textual.widgets import Static

if TYPE_CHECKING:
    from playground.model import RunState, SandboxRecord

__all__ = ["SandboxBar"]

_TITLE = ("sandbox  ", "bold $text-muted")


class SandboxBar(Static):
    """One line at the foot of the screen: the sandbox's layers, and what is missing."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(Content.assemble(_TITLE, ("checking which layers this machine allows…",
                                                   "$text-muted")), **kwargs)  # type: ignore[arg-type]
        self._from_run = False
        self._shown: tuple[tuple[str, ...], tuple[str, ...], str] | None = None

    async def detect(self, use_bwrap: bool | None) -> None:
        """Import the run machinery and probe the sandbox off the event loop, then show
        the layers found.

        Both take a noticeable moment the first time (aiohttp's import, a trial run of
        the sandbox's command chain); done at start, the first key press does not
        freeze the screen, and the layers are on screen from the start.
        """

        def prepare() -> tuple[list[str], list[str]]:
            from playground import sandbox, session  # noqa: F401  (imported for its cost)

            info = sandbox.detect(use_bwrap=use_bwrap)
            return list(info.layers), list(info.missing)

        self.show_detected(*await asyncio.to_thread(prepare))

    def show_detected(self, layers: list[str], missing: list[str]) -> None:
        """What the machine allows, found before any run (a run's own report wins)."""
        if not self._from_run:
            self._show(layers, missing, note="detected on this machine")

    def show_run(self, state: RunState) -> None:
        """The layers a run used (once it has reported them)."""
        self.show_used(state.sandbox, state.target)

    def show_used(self, sandbox: SandboxRecord, target: str) -> None:
        """The layers the run of ``target`` has (said by its session as it starts)."""
        if sandbox.layers or sandbox.missing:
            self._from_run = True
            self._show(list(sandbox.layers), list(sandbox.missing), note=f"as used by {target}")

    def show_failure(self, error: BaseException | None) -> None:
        """The layers could not be checked."""
        self.update(Content.assemble(_TITLE, (f"could not check the layers: {error!r}", "$warning")))

    def _show(self, layers: list[str], missing: list[str], *, note: str) -> None:
        if self._shown == (tuple(layers), tuple(missing), note):
            return
        self._shown = (tuple(layers), tuple(missing), note)
        # What is missing comes first: the line is cut at the screen's edge.
        parts: list[tuple[str, str] | str] = [_TITLE]
        if missing:
            parts += [(f"✗ missing {len(missing)}: ", "bold $warning"), (" · ".join(missing), "$warning"),
                      ("   ", "")]
        elif layers:
            parts += [("✓ every layer on   ", "bold $success")]
        parts += [(f"{len(layers)} layers: ", "bold $text-muted" if layers else "bold $warning"),
                  (" · ".join(layers) or "none", "$text-muted")]
        self.update(Content.assemble(*parts))
        self.tooltip = Content(f"sandbox layers ({note}): {', '.join(layers) or 'none'}\n"
                               f"missing: {', '.join(missing) or 'none'}")
