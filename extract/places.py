"""Places in flight: at most ``n`` calls at once, and the place a finished call frees
takes the next waiting call at once.

Why not a semaphore: answers sent together come back together, and a semaphore hands a
freed place to its next waiter through the event loop's queue, behind every answer
already read. Each next request then went out only once the whole burst had been parsed
and grounded (at 32 in flight, tens of ms of CPU). A place runs its next call in the same
task, before the loop goes on to the other answers. The one-process job's workers pull
from a queue the same way (``jobs.Job``).

A place ends when nothing waits, and keeps no call once it has run it: a task that
outlived the work would keep its owner alive (a Ray actor's exit waited 5 s on one).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

R = TypeVar("R")


class Places:
    def __init__(self, n: int):
        self.n = max(1, n)
        self._waiting: deque[tuple[Callable[[], Awaitable[Any]], asyncio.Future[Any]]] = deque()
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self, call: Callable[[], Awaitable[R]]) -> R:
        """``await call()`` in a free place, or in the first place to come free."""
        done: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((call, done))
        if len(self._tasks) < self.n:
            task = asyncio.create_task(self._place())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await done

    async def _place(self) -> None:
        while self._waiting:
            call, done = self._waiting.popleft()
            if done.cancelled():  # its caller gave up waiting
                continue
            try:
                result = await call()
            except asyncio.CancelledError:
                done.cancel()
                raise
            except Exception as e:
                if not done.cancelled():
                    done.set_exception(e)
                continue
            if not done.cancelled():
                done.set_result(result)
