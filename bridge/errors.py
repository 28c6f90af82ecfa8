"""The single exception tree of the bridge, named after what the runner must do.

```
BridgeError                    root; never raised itself
├── ConfigError                bad settings or missing schema → exit code 2 at startup
│   └── MagentoBaseUrlError       every path 404s or redirects → pause every Magento flow
├── TransientError             same input will likely work later → unit stays pending, retried
│   ├── MagentoUnavailableError   connect/read timeout, 429, 500, 502, 503, 504
│   ├── FolderUnavailableError    SFTP down, mount missing
│   ├── LedgerBusyError           sqlite "database is locked"
│   ├── StopRequestedError        the service is stopping (SIGTERM) between records
│   └── AlertDeliveryError        a webhook or SMTP server refused or did not answer
├── PermanentError             retrying cannot help → quarantine the unit, alert
│   ├── MagentoAuthError          401/403 → pause every Magento flow
│   ├── MagentoRequestError       other 4xx not tied to one record
│   └── InvalidFileError          XSD, CSV or parse failure → file to failed/ + report
└── RecordRejectedError        one record refused (unknown SKU, 400 with Magento message,
                               404 order) → ledger row "rejected", the rest continues
```

Errors carry structured context as attributes (S4.4); third-party exceptions are
translated once per adapter and chained with ``raise ... from exc`` (S4.2).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AlertDeliveryError",
    "BridgeError",
    "ConfigError",
    "FileIssue",
    "FolderUnavailableError",
    "InvalidFileError",
    "LedgerBusyError",
    "MagentoAuthError",
    "MagentoBaseUrlError",
    "MagentoRequestError",
    "MagentoUnavailableError",
    "PermanentError",
    "RecordRejectedError",
    "StopRequestedError",
    "TransientError",
]


class BridgeError(Exception):
    """Root of every error the bridge raises on purpose; never raised itself."""


class ConfigError(BridgeError):
    """Bad settings or a missing schema; the CLI exits with code 2."""

    def __init__(self, message: str, *, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


class MagentoBaseUrlError(ConfigError):
    """``magento.base_url`` points at no Magento REST API: every Magento flow pauses.

    Raised when a known-good route (``/V1/store/storeViews``) answers 404 as well, or
    when the server answers with a redirect, which the bridge never follows.
    """

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message, key="magento.base_url")
        self.status_code = status_code


class TransientError(BridgeError):
    """The same input will likely work later: keep the unit pending and retry."""


class MagentoUnavailableError(TransientError):
    """Magento did not answer usefully: connect/read timeout, 429 or 5xx."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        retry_after: float | None = None,
        magento_message: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.retry_after = retry_after
        self.magento_message = magento_message


class FolderUnavailableError(TransientError):
    """A file endpoint (SFTP server, mount) cannot be reached right now."""

    def __init__(self, message: str, *, endpoint: str | None = None) -> None:
        super().__init__(message)
        self.endpoint = endpoint


class LedgerBusyError(TransientError):
    """The ledger database is locked by another writer."""


class StopRequestedError(TransientError):
    """The service is stopping (SIGTERM) between two records or batches.

    The file stays claimed with its progress in the ledger; the next start resumes it.
    """


class AlertDeliveryError(TransientError):
    """An alert channel (webhook, SMTP) failed; the alert is retried in the background."""

    def __init__(self, message: str, *, channel: str) -> None:
        super().__init__(message)
        self.channel = channel


class PermanentError(BridgeError):
    """Retrying cannot help: quarantine the unit and alert."""


class _MagentoAnswerError(PermanentError):
    """A permanent error carrying Magento's HTTP status and message (S4.4)."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        magento_message: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.magento_message = magento_message


class MagentoAuthError(_MagentoAnswerError):
    """Magento refused our credentials (401/403): every Magento flow pauses."""


class MagentoRequestError(_MagentoAnswerError):
    """A 4xx answer that is not tied to one record (bad route, bad request shape)."""


@dataclass(frozen=True)
class FileIssue:
    """One problem found in an input file, pointing at where it is.

    Attributes:
        file: The file's name as received.
        line: 1-based line number, or None when the problem has no line.
        field: The field (element or column) at fault, or None.
        reason: What is wrong, in words an ERP consultant understands.
    """

    file: str
    line: int | None
    field: str | None
    reason: str

    def __str__(self) -> str:
        """Render as ``file:line: field: reason`` for reports and the CLI."""
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        what = f"{self.field}: {self.reason}" if self.field else self.reason
        return f"{where}: {what}"


class InvalidFileError(PermanentError):
    """A file failed parsing or validation; nothing of it is applied."""

    def __init__(self, message: str, *, file: str, issues: list[FileIssue]) -> None:
        super().__init__(message)
        self.file = file
        self.issues = issues


class RecordRejectedError(BridgeError):
    """One record was refused; the rest of its file continues.

    Attributes:
        record_key: The record's business key (SKU, shipment id, order number).
        magento_message: Magento's message with its parameters filled in, if any.
        status_code: The HTTP status that caused the rejection, if any.
    """

    def __init__(
        self,
        message: str,
        *,
        record_key: str | None = None,
        magento_message: str | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.record_key = record_key
        self.magento_message = magento_message
        self.status_code = status_code
