"""The one retry-delay policy: capped exponential backoff with full jitter.

Used wherever something is retried later: the Magento client between attempts, the
service loop for a pending file, the SFTP endpoint between connection attempts.
Full jitter (a delay drawn uniformly from ``[0, bound]``) spreads the retries of
several processes so they do not hammer a recovering server in step; a server's
``Retry-After`` hint wins over the computed delay (capped too).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

__all__ = ["Backoff"]

# 2**64 is far beyond any cap; bounding the exponent keeps the float finite.
_MAX_EXPONENT = 64


@dataclass(frozen=True)
class Backoff:
    """How long to wait before attempt ``n + 1`` after ``n`` failed attempts.

    Attributes:
        initial: The bound after the first failure, in seconds; it doubles with
            each further failure.
        cap: No wait is longer than this, Retry-After included.
        jitter: True: full jitter, a delay drawn from ``[0, bound]``. False: the
            bound itself, for a schedule that must be predictable (one client of
            one server whose messages tell the operator when the next try is).
        rng: The random source of the jitter (seeded in tests).
    """

    initial: float
    cap: float
    jitter: bool = True
    rng: random.Random = field(
        default_factory=random.Random,  # jitter, not cryptography
        compare=False,
        repr=False,
    )

    def __post_init__(self) -> None:
        """Refuse negative settings (a programming error, not a runtime state)."""
        if self.initial < 0 or self.cap < 0:
            raise ValueError("backoff initial and cap must not be negative")

    def bound(self, failures: int) -> float:
        """The longest wait after ``failures`` failed attempts (1 = the first)."""
        exponent = min(max(failures, 1) - 1, _MAX_EXPONENT)
        return float(min(self.cap, self.initial * 2.0**exponent))

    def delay(self, failures: int, retry_after: float | None = None) -> float:
        """Seconds to wait after ``failures`` failed attempts.

        Args:
            failures: Failed attempts so far (1 after the first failure).
            retry_after: The server's ``Retry-After`` in seconds, if it sent one.

        Returns:
            ``min(retry_after, cap)`` when a hint is given, else a full-jitter
            draw below ``bound(failures)`` (or the bound itself without jitter).
        """
        if retry_after is not None:
            return float(min(max(retry_after, 0.0), self.cap))
        bound = self.bound(failures)
        if not self.jitter:
            return bound
        return self.rng.uniform(0.0, bound)
