"""A fake tracker serving from a process of its own, driven by its parent through a pipe.

The tracker benchmarks (GitHub, Jira, Linear, GitLab) run their fake in a spawned process, so
that serving does not compete for the GIL with the contender being measured. Both sides speak
one small protocol over a ``multiprocessing`` pipe: the server first sends a dict of facts
(its ``url`` at least), then answers ``stats`` (a dict of figures since the last reset),
``reset`` (forget requests) and ``stop`` (answer, then exit).

    def serve(conn, n):  # the server process
        with FakeX() as fake:
            conn.send({"url": fake.url})
            answer_commands(conn, stats=lambda: {...}, reset=fake.reset_requests)

    with fake_in_process(serve, 1000, label="fake X") as fake:  # the parent
        fake.reset(); ...; figures = fake.stats()
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing import get_context
from multiprocessing.connection import Connection
from typing import Any, TypeVar

__all__ = ["FakeProcess", "answer_commands", "fake_in_process"]

Handle = TypeVar("Handle", bound="FakeProcess")


def answer_commands(
    conn: Connection, stats: Callable[[], dict[str, Any]], reset: Callable[[], None]
) -> None:
    """Server side: answer ``stats`` with ``stats()`` and ``reset`` by calling ``reset()``
    (then ``"ok"``) until any other command, which is answered ``"ok"`` and ends the loop."""
    while True:
        command = conn.recv()
        if command == "stats":
            conn.send(stats())
        elif command == "reset":
            reset()
            conn.send("ok")
        else:
            conn.send("ok")
            return


class FakeProcess:
    """The parent's handle on the server process: ``info`` is what the server sent first."""

    def __init__(self, conn: Connection, info: dict[str, Any]) -> None:
        self._conn = conn
        self.info = info
        self.url: str = info["url"]

    def _ask(self, command: str) -> Any:
        self._conn.send(command)
        return self._conn.recv()

    def stats(self) -> dict[str, Any]:
        """The server's figures since the last ``reset``."""
        result: dict[str, Any] = self._ask("stats")
        return result

    def reset(self) -> None:
        """Have the server forget recorded requests (and whatever else its reset restores)."""
        self._ask("reset")

    def stop(self) -> None:
        """Have the server stop; it answers before it exits."""
        self._ask("stop")


@contextmanager
def fake_in_process(
    serve: Callable[..., None],
    *args: Any,
    label: str,
    handle: Callable[[Connection, dict[str, Any]], Handle] = FakeProcess,  # type: ignore[assignment]
) -> Iterator[Handle]:
    """Spawn ``serve(conn, *args)`` (named after ``label``, e.g. "fake Jira"), wait up to 10
    minutes for its first message, yield ``handle(conn, that message)``, and stop the server
    on a normal exit. On any exit the process is joined, and terminated after 10 s."""
    ctx = get_context("spawn")
    parent, child = ctx.Pipe()
    name = label.replace(" ", "-").lower()
    process = ctx.Process(target=serve, args=(child, *args), daemon=True, name=name)
    process.start()
    child.close()  # so that a crash of the server reads as EOF here
    try:
        if not parent.poll(600):
            raise RuntimeError(f"the {label} did not start within 10 minutes")
        try:
            info = parent.recv()
        except EOFError:
            raise RuntimeError(f"the {label} exited ({process.exitcode})") from None
        server = handle(parent, info)
        yield server
        server.stop()
    finally:
        process.join(timeout=10)
        if process.is_alive():
            process.terminate()
            process.join()
