"""support.backoff: capped exponential delays, full jitter, Retry-After."""

from __future__ import annotations

import random

import pytest

from bridge.support.backoff import Backoff


def test_bound_doubles_from_initial_up_to_the_cap() -> None:
    """After n failures the longest wait is initial * 2**(n-1), never above the cap."""
    policy = Backoff(0.5, 3.0)
    assert [policy.bound(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert policy.bound(10_000) == 3.0  # no float overflow for long outages
    assert policy.bound(0) == 0.5


def test_full_jitter_draws_below_the_bound() -> None:
    """Jittered delays spread over [0, bound] and differ between draws."""
    policy = Backoff(1.0, 60.0, rng=random.Random(7))
    delays = [policy.delay(4) for _ in range(200)]
    assert all(0.0 <= d <= 8.0 for d in delays)
    assert min(delays) < 2.0
    assert max(delays) > 6.0


def test_without_jitter_the_delay_is_the_bound() -> None:
    """A predictable schedule waits exactly the bound."""
    policy = Backoff(10.0, 300.0, jitter=False)
    assert [policy.delay(n) for n in (1, 2, 3)] == [10.0, 20.0, 40.0]


def test_retry_after_wins_and_is_capped() -> None:
    """A server's Retry-After replaces the computed delay, within the cap."""
    policy = Backoff(0.5, 30.0)
    assert policy.delay(1, retry_after=7.0) == 7.0
    assert policy.delay(5, retry_after=3600.0) == 30.0
    assert policy.delay(5, retry_after=-1.0) == 0.0


def test_negative_settings_are_refused() -> None:
    """A negative initial delay or cap is a programming error."""
    with pytest.raises(ValueError, match="negative"):
        Backoff(-1.0, 1.0)
