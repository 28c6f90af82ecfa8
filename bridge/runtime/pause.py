"""The Magento pause: refused credentials or a wrong base URL stop every Magento flow.

When Magento answers 401/403 (a revoked or replaced token, an integration without
a resource) or ``magento.base_url`` points at no Magento REST API, no file is at
fault: the worker stops the file where it is (it stays pending, nothing is
rejected), stops every other Magento flow, and says why with the URL and the
status in the log, the ledger's events and ``bridge status``. It then probes Magento
every ``PROBE_SECONDS`` and resumes by itself as soon as a probe is answered: after
the token was restored in Magento, or replaced in ``bridge.toml`` (the ``[magento]``
section is read again before each probe, so a corrected file takes effect without
a restart).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import structlog

from bridge.config import MagentoSettings
from bridge.errors import (
    BridgeError,
    MagentoAuthError,
    MagentoBaseUrlError,
    MagentoUnavailableError,
)
from bridge.magento import MagentoClient

__all__ = ["PROBE_PATHS", "PROBE_SECONDS", "MagentoPause", "PauseCause"]

log = structlog.get_logger("bridge.worker")

PauseCause = MagentoAuthError | MagentoBaseUrlError

PROBE_SECONDS = 15.0
"""While paused, Magento is asked this often whether it takes the credentials."""

PROBE_PATHS = ("/V1/orders", "/V1/products", "/V1/invoices")
"""Resources the integration needs; any one answered means the credentials work."""
_PAGE_OF_ONE = {"searchCriteria[pageSize]": "1", "searchCriteria[currentPage]": "1"}


@dataclass
class MagentoPause:
    """Whether Magento flows are paused, why, and when to probe next.

    Args:
        client: The shared Magento client (probed, and given edited credentials).
        reload: Reads the ``[magento]`` section again (None: never re-read).
    """

    client: MagentoClient
    reload: Callable[[], MagentoSettings] | None = None
    reason: str = ""
    next_probe: float = 0.0

    @property
    def active(self) -> bool:
        """True while Magento flows are paused."""
        return bool(self.reason)

    def pause(self, exc: PauseCause, now: float) -> str:
        """Pause every Magento flow for ``exc`` and return the reason to show.

        Args:
            exc: The refusal.
            now: The monotonic time.

        Returns:
            What happened, with Magento's URL and status.
        """
        base = self.client.settings.base_url
        if isinstance(exc, MagentoAuthError):
            self.reason = (
                f"Magento at {base} refused the credentials "
                f"(HTTP {exc.status_code}): {exc}"
            )
        else:
            self.reason = f"configuration error (HTTP {exc.status_code}): {exc}"
        self.next_probe = now + PROBE_SECONDS
        return self.reason

    def due(self, now: float) -> bool:
        """True when paused and the next probe is due."""
        return self.active and now >= self.next_probe

    def probe(self, now: float) -> bool:
        """Ask Magento whether it takes the credentials now; resume when it does.

        Returns:
            True when the pause ended.
        """
        self.next_probe = now + PROBE_SECONDS
        self._reload()
        refused: BridgeError | None = None
        for path in PROBE_PATHS:
            try:
                self.client.request("GET", path, params=_PAGE_OF_ONE, retry=False)
            except MagentoAuthError as exc:
                refused = exc  # this resource may be the one not granted: try the next
            except (MagentoBaseUrlError, MagentoUnavailableError) as exc:
                refused = exc
                break
            except BridgeError:
                refused = None
                break  # answered (e.g. a 400): the credentials were taken
            else:
                refused = None
                break
        if refused is not None:
            log.warning("magento_still_refused", status=str(refused))
            return False
        log.info("magento_resumed", status=self.reason)
        self.reason = ""
        return True

    def _reload(self) -> None:
        """Take credentials or a base URL edited in ``bridge.toml`` since the pause."""
        if self.reload is None:
            return
        try:
            fresh = self.reload()
        except BridgeError as exc:  # a half-edited file: keep what runs
            log.warning("magento_settings_unreadable", status=str(exc))
            return
        if fresh != self.client.settings:
            self.client.use_credentials(fresh)
