"""Places in flight: the bound, the hand-off order, errors and callers that give up."""

from __future__ import annotations

import asyncio

import pytest

from claims.extract.places import Places


def test_never_more_than_n_at_once_and_every_result_to_its_caller():
    async def go() -> tuple[list[int], int]:
        places, running, most = Places(3), 0, 0

        async def call(i: int) -> int:
            nonlocal running, most
            running += 1
            most = max(most, running)
            await asyncio.sleep(0.001 * (i % 4))
            running -= 1
            return i * i

        got = await asyncio.gather(*(places.run(lambda i=i: call(i)) for i in range(40)))
        return got, most

    got, most = asyncio.run(go())
    assert got == [i * i for i in range(40)] and most == 3


def test_a_freed_place_runs_the_next_call_before_the_other_answers_of_its_burst():
    """Two calls whose answers arrive together: the place the first frees starts the third
    call before the second call's answer is taken (a semaphore would take it first)."""
    events: list[str] = []

    async def go() -> None:
        places, arrived = Places(2), asyncio.Event()

        async def call(name: str) -> None:
            events.append(f"send {name}")
            if name == "b":
                asyncio.get_running_loop().call_soon(arrived.set)
            await arrived.wait()
            events.append(f"done {name}")

        await asyncio.gather(*(places.run(lambda n=n: call(n)) for n in "abcd"))

    asyncio.run(go())
    assert events[:4] == ["send a", "send b", "done a", "send c"], events
    assert sorted(events) == sorted(f"{k} {n}" for k in ("send", "done") for n in "abcd")


def test_an_error_goes_to_its_caller_and_the_place_goes_on():
    async def go() -> list[object]:
        places = Places(1)

        async def call(i: int) -> int:
            if i == 1:
                raise ValueError("bad article")
            return i

        return await asyncio.gather(*(places.run(lambda i=i: call(i)) for i in range(3)), return_exceptions=True)

    first, second, third = asyncio.run(go())
    assert first == 0 and isinstance(second, ValueError) and third == 2


def test_a_caller_that_gives_up_is_skipped_and_no_place_outlives_the_work():
    async def go() -> tuple[list[str], int]:
        places, ran = Places(1), []

        async def call(name: str) -> str:
            ran.append(name)
            await asyncio.sleep(0.01)
            return name

        first = asyncio.create_task(places.run(lambda: call("first")))
        gone = asyncio.create_task(places.run(lambda: call("gone")))
        await asyncio.sleep(0)
        gone.cancel()
        assert await first == "first"
        with pytest.raises(asyncio.CancelledError):
            await gone
        await asyncio.sleep(0)
        return ran, len(places._tasks)

    ran, left = asyncio.run(go())
    assert ran == ["first"] and left == 0
