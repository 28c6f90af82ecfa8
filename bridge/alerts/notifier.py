"""``Alerts.notify(event)``: throttle, render, scrub, and hand over to the channels.

``notify`` never waits for a channel. Each channel has its own queue and delivery
thread, so a webhook that hangs delays neither the flow that raised the alert nor the
e-mail. A failed delivery is logged and retried with capped exponential backoff and
jitter, then dropped with a log line: alerting must never stop the bridge.

The throttle is in memory, per process: the same alert key is sent at most once per
``min_interval_seconds`` by one process. Several bridge processes each keep their own
throttle, so N processes that see the same problem send at most N alerts per interval.
"""

from __future__ import annotations

import queue
import random
import socket
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Protocol

import structlog

from bridge.alerts._redact import Redactor
from bridge.alerts.events import AlertEvent
from bridge.alerts.messages import AlertMessage, render_message
from bridge.errors import AlertDeliveryError

__all__ = ["Alerts", "Channel", "DeliveryObserver", "RetryPolicy"]

log = structlog.get_logger("bridge.alerts")

DeliveryObserver = Callable[[str, str], None]
"""Called with (channel name, ``sent`` | ``failed`` | ``dropped`` | ``throttled``)."""


class Channel(Protocol):
    """Where alerts go: the webhook, e-mail, or a test's own."""

    name: str

    def send(self, message: AlertMessage) -> None:
        """Deliver one message or raise ``AlertDeliveryError``."""


class RetryPolicy:
    """Capped exponential backoff with jitter for failed deliveries.

    Args:
        attempts: Deliveries tried per message before it is dropped.
        initial_seconds: The first wait.
        max_seconds: The longest wait.
    """

    def __init__(
        self,
        attempts: int = 6,
        initial_seconds: float = 2.0,
        max_seconds: float = 120.0,
    ) -> None:
        self.attempts = attempts
        self.initial_seconds = initial_seconds
        self.max_seconds = max_seconds

    def delay(self, attempt: int) -> float:
        """The wait after failed attempt number ``attempt`` (1-based)."""
        base = min(self.max_seconds, self.initial_seconds * 2.0 ** (attempt - 1))
        return base * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not cryptography


class _Throttle:
    """At most one alert per key and interval; counts what it held back."""

    def __init__(self, interval: float, monotonic: Callable[[], float]) -> None:
        self._interval = interval
        self._monotonic = monotonic
        self._last: dict[str, float] = {}
        self._held: dict[str, int] = {}
        self._lock = threading.Lock()

    def admit(self, key: str) -> int | None:
        """None if ``key`` was sent within the interval, else how many were held back."""
        now = self._monotonic()
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last < self._interval:
                self._held[key] = self._held.get(key, 0) + 1
                return None
            self._last[key] = now
            if len(self._last) > 4096:
                self._forget_before(now - self._interval)
            return self._held.pop(key, 0)

    def _forget_before(self, cutoff: float) -> None:
        for key in [k for k, t in self._last.items() if t < cutoff]:
            del self._last[key]
            self._held.pop(key, None)


class _Courier:
    """One channel's queue and delivery thread."""

    def __init__(
        self,
        channel: Channel,
        retry: RetryPolicy,
        redactor: Redactor,
        observe: DeliveryObserver,
        max_queued: int,
    ) -> None:
        self.channel = channel
        self.retry = retry
        self.redactor = redactor
        self.observe = observe
        self.queue: queue.Queue[AlertMessage | None] = queue.Queue(max_queued)
        self.stopping = threading.Event()
        self.thread = threading.Thread(
            target=self._run, name=f"bridge-alerts-{channel.name}", daemon=True
        )
        self.thread.start()

    def submit(self, message: AlertMessage) -> None:
        try:
            self.queue.put_nowait(message)
        except queue.Full:
            pass
        else:
            return
        log.error("alert_dropped", status=f"{self.channel.name}: queue full")
        self.observe(self.channel.name, "dropped")

    def _run(self) -> None:
        while True:
            message = self.queue.get()
            try:
                if message is None:
                    return
                self._deliver(message)
            except Exception:
                # This thread is its own runner (S4.5): a bug in a channel must be
                # seen, and must not end the alerting.
                log.exception("unexpected_error", status=self.channel.name)
            finally:
                self.queue.task_done()

    def _deliver(self, message: AlertMessage) -> None:
        for attempt in range(1, self.retry.attempts + 1):
            try:
                self.channel.send(message)
            except AlertDeliveryError as exc:
                why = self.redactor.text(str(exc))
                log.warning("alert_failed", status=why, attempt=attempt)
                self.observe(self.channel.name, "failed")
                if self.stopping.wait(self.retry.delay(attempt)):
                    break
                continue
            log.info("alert_sent", status=f"{self.channel.name}: {message.key}")
            self.observe(self.channel.name, "sent")
            return
        log.error("alert_dropped", status=f"{self.channel.name}: {message.key}")
        self.observe(self.channel.name, "dropped")


class Alerts:
    """Sends alert events to the configured channels, throttled per alert key.

    Args:
        channels: Where to send; none means alerts are off (``notify`` returns False).
        min_interval_seconds: At most one alert per key in this interval.
        console_url: ``http://host:port`` of the console, for links; None when off.
        secrets: Values that must never leave in an alert; they are blanked.
        retry: Backoff for failed deliveries.
        observe: Told of every delivery outcome (e.g. a metrics counter).
        monotonic: Clock for the throttle (S7.6).
        now: Wall clock for the alert's timestamp.
        host: This machine's name, shown in every alert.
        max_queued: Alerts waiting per channel before new ones are dropped.
    """

    def __init__(
        self,
        channels: Sequence[Channel],
        *,
        min_interval_seconds: float = 300.0,
        console_url: str | None = None,
        secrets: Iterable[str] = (),
        retry: RetryPolicy | None = None,
        observe: DeliveryObserver | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        host: str | None = None,
        max_queued: int = 1000,
    ) -> None:
        self._redactor = Redactor(secrets)
        self._observe: DeliveryObserver = observe or (lambda _c, _o: None)
        self._throttle = _Throttle(min_interval_seconds, monotonic)
        self._console_url = console_url
        self._now = now
        self._host = host or socket.gethostname()
        self._closed = False
        self._couriers = [
            _Courier(
                c, retry or RetryPolicy(), self._redactor, self._observe, max_queued
            )
            for c in channels
        ]

    @property
    def enabled(self) -> bool:
        """True when at least one channel is configured."""
        return bool(self._couriers)

    def notify(self, event: AlertEvent) -> bool:
        """Queue ``event`` for every channel unless its key was alerted recently.

        Never blocks on a channel and never raises for a delivery problem.

        Returns:
            True if the alert was queued, False if throttled, alerts are off or
            ``close()`` was called.
        """
        if not self._couriers or self._closed:
            return False
        held = self._throttle.admit(event.key)
        if held is None:
            log.debug("alert_throttled", status=event.key)
            for courier in self._couriers:
                self._observe(courier.channel.name, "throttled")
            return False
        message = self._scrub(
            render_message(
                event,
                console_url=self._console_url,
                host=self._host,
                occurred_at=self._now(),
                suppressed=held,
            )
        )
        for courier in self._couriers:
            courier.submit(message)
        return True

    def _scrub(self, message: AlertMessage) -> AlertMessage:
        r = self._redactor
        return AlertMessage(
            key=r.text(message.key),
            subject=r.text(message.subject),
            text=r.text(message.text),
            fields=r.data(message.fields),
        )

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every queued alert was delivered or dropped; False on timeout."""
        deadline = time.monotonic() + timeout
        while any(c.queue.unfinished_tasks for c in self._couriers):
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
        return True

    def close(self, timeout: float = 5.0) -> None:
        """Deliver what is queued (up to ``timeout``), then stop the threads.

        Retries that are waiting are cut short: an alert still failing at shutdown is
        dropped with a log line rather than holding the service's exit.
        """
        self._closed = True
        self.flush(timeout)
        for courier in self._couriers:
            courier.stopping.set()
            try:
                courier.queue.put(None, timeout=timeout)
            except queue.Full:
                # A channel stuck in a send: its daemon thread ends with the process.
                continue
        for courier in self._couriers:
            courier.thread.join(timeout)
            closer = getattr(courier.channel, "close", None)
            if callable(closer) and not courier.thread.is_alive():
                closer()
