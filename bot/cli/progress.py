"""Sync progress for people: a live rich display on a terminal, log lines elsewhere.

Both displays satisfy the sync's progress protocol structurally; what they show of a stream
is named here (``StreamStatus``), so the command line imports nothing from the trackers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import TracebackType
from typing import Protocol

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

Budget = Callable[[], str]  # "core 4,812 · graphql 4,990" — what is left of the rate limits


class StreamStatus(Protocol):
    """What a sync stream has done so far (the sync's stream result has these fields)."""

    @property
    def key(self) -> str: ...
    @property
    def pages(self) -> int: ...
    @property
    def seen(self) -> int: ...
    @property
    def written(self) -> int: ...
    @property
    def deleted(self) -> int: ...
    @property
    def error(self) -> str | None: ...


class LiveProgress:
    """One line per stream: pages, issues seen and written, and the rate limit left."""

    def __init__(self, console: Console, budget: Budget) -> None:
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
            console=console,
        )
        self._budget = budget
        self._tasks: dict[str, TaskID] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> LiveProgress:
        self._progress.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._progress.stop()

    def stream_started(self, key: str) -> None:
        with self._lock:
            self._tasks[key] = self._progress.add_task(key, total=None, status="starting")

    def page_done(self, key: str, result: StreamStatus) -> None:
        self._progress.update(self._tasks[key], status=_status(result, self._budget()))

    def stream_done(self, result: StreamStatus) -> None:
        status = f"[red]failed: {result.error}[/]" if result.error else _status(result, "")
        self._progress.update(self._tasks[result.key], status=status, total=1, completed=1)


class LogProgress:
    """Plain lines for logs and pipes: one when a stream starts and one when it ends."""

    def __init__(self, echo: Callable[[str], None], budget: Budget) -> None:
        self._echo = echo
        self._budget = budget

    def __enter__(self) -> LogProgress:
        return self

    def __exit__(self, *args: object) -> None:
        return None

    def stream_started(self, key: str) -> None:
        self._echo(f"sync {key}: started")

    def page_done(self, key: str, result: StreamStatus) -> None:
        if result.pages % 10 == 0:
            self._echo(f"sync {key}: {_status(result, self._budget())}")

    def stream_done(self, result: StreamStatus) -> None:
        outcome = f"FAILED: {result.error}" if result.error else _status(result, self._budget())
        self._echo(f"sync {result.key}: done, {outcome}")


def _status(result: StreamStatus, budget: str) -> str:
    text = f"{result.pages} pages, {result.seen} seen, {result.written} written"
    if result.deleted:
        text += f", {result.deleted} removed"
    return f"{text} · {budget}" if budget else text
