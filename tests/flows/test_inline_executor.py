"""The executor a one-unit file sends with: same gather semantics as a thread pool."""

from __future__ import annotations

import threading

import pytest

from bridge.errors import MagentoUnavailableError
from bridge.flows.base import InlineExecutor, gather


def test_inline_runs_in_the_calling_thread_and_gather_collects_results() -> None:
    """Each task runs at submit, in this thread, and its result is in a done future."""
    seen: list[str] = []

    def task(n: int) -> int:
        seen.append(threading.current_thread().name)
        return n * 2

    with InlineExecutor() as pool:
        futures = [pool.submit(task, 1), pool.submit(task, 2)]
    assert all(f.done() for f in futures)
    assert gather(futures) == ([2, 4], None)
    assert seen == [threading.current_thread().name] * 2


def test_inline_bridge_error_is_gathered_other_errors_raise() -> None:
    """A bridge error waits in its future for gather; a bug is raised at once."""
    down = MagentoUnavailableError("503", status_code=503)

    def fails() -> int:
        raise down

    def bug() -> int:
        raise ValueError("bug")

    pool = InlineExecutor()
    done, error = gather([pool.submit(fails), pool.submit(lambda: 3)])
    assert done == [3]
    assert error is down
    with pytest.raises(ValueError, match="bug"):
        pool.submit(bug)
