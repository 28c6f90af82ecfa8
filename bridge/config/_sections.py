"""The settings sections of ``bridge.toml`` and the frozen ``Settings`` they make up.

Every key of SPEC §5 is here with its documented default; keys the spec leaves open
are documented in the README. Unknown keys are refused, so a typo is an error naming
the key rather than a silently ignored setting.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError
from pydantic_settings import (
    BaseSettings,
    SettingsConfigDict,
)

from bridge.kinds import KINDS, Kind

__all__ = [
    "AlertsSettings",
    "CsvOptions",
    "CsvSettings",
    "FoldersSettings",
    "HttpSettings",
    "HttpUser",
    "Kind",
    "LedgerSettings",
    "MagentoSettings",
    "OrdersSettings",
    "RuntimeSettings",
    "Settings",
    "SftpSettings",
    "ShipmentsSettings",
]


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MagentoSettings(_Section):
    """How to reach Magento's REST API."""

    base_url: str = "http://127.0.0.1:8080"
    token: SecretStr = SecretStr("")
    consumer_key: SecretStr = SecretStr("")
    consumer_secret: SecretStr = SecretStr("")
    access_token: SecretStr = SecretStr("")
    access_token_secret: SecretStr = SecretStr("")
    timeout_seconds: float = Field(default=30, gt=0)
    concurrency: int = Field(default=4, ge=1, le=64)
    website_ids: list[int] = Field(default_factory=lambda: [1])
    attribute_set_id: int = 4
    ean_attribute: str = "ean"
    # A GTIN → SKU answer found through ean_attribute is asked again after this long.
    gtin_cache_seconds: float = Field(default=3600, ge=0)
    inventory: Literal["msi", "legacy"] = "msi"
    source_code: str = "default"
    batch_size: int = Field(default=20, ge=1, le=5000)
    max_retries: int = Field(default=5, ge=0)
    backoff_initial_seconds: float = Field(default=0.5, ge=0)
    backoff_max_seconds: float = Field(default=30, ge=0)

    @property
    def uses_oauth(self) -> bool:
        """True when the four OAuth 1.0a keys are set (they win over ``token``)."""
        return all(
            s.get_secret_value()
            for s in (
                self.consumer_key,
                self.consumer_secret,
                self.access_token,
                self.access_token_secret,
            )
        )


class CsvOptions(_Section):
    """How CSV files of one kind are decoded."""

    encoding: str = "utf-8"
    decimal_separator: Literal[".", ","] = "."


class _CsvDefaults(CsvOptions):
    """CSV defaults plus optional per-kind overrides (``[folders.csv.stock]``)."""

    def for_kind(self, kind: str) -> CsvOptions:
        """Return the options that apply to ``kind`` (override, else the defaults)."""
        override = getattr(self, kind, None)
        if isinstance(override, CsvOptions):
            return override
        return CsvOptions(
            encoding=self.encoding, decimal_separator=self.decimal_separator
        )


if TYPE_CHECKING:  # the checkers see the base; the fields below are per kind
    CsvSettings = _CsvDefaults
else:
    # one optional ``[folders.csv.<kind>]`` table per kind of bridge.kinds
    CsvSettings = create_model(
        "CsvSettings",
        __base__=_CsvDefaults,
        __module__=__name__,
        **{kind: (CsvOptions | None, None) for kind in KINDS},
    )
    CsvSettings.__doc__ = _CsvDefaults.__doc__


class FoldersSettings(_Section):
    """Where the inboxes, outbox, archive, failed files and ledger live."""

    root: Path = Path()
    stable_seconds: float = Field(default=2, ge=0)
    done_suffix: str = ""
    scan_seconds: float = Field(default=5, gt=0)
    max_file_mb: int = Field(default=1024, ge=1)
    csv: CsvSettings = Field(default_factory=CsvSettings)


class LedgerSettings(_Section):
    """Where the ledger is stored."""

    url: str = "sqlite:///var/bridge.db"


class OrdersSettings(_Section):
    """The Magento → ERP order export."""

    # ubl, opentrans, idoc, edifact: the standard order layouts (docs/layouts.md)
    format: Literal["xml", "csv", "ubl", "opentrans", "idoc", "edifact"] = "xml"
    states: list[str] = Field(default_factory=lambda: ["new", "processing"])
    min_age_seconds: float = Field(default=0, ge=0)
    poll_seconds: float = Field(default=60, gt=0)
    invoice_fee: str = "derived"
    overlap_seconds: float = Field(default=300, ge=0)
    page_size: int = Field(default=100, ge=1, le=300)
    start_at: str = ""
    # The shop's and the ERP's ids in the ERP's partner profile: IDoc SNDPRN/RCVPRN
    # (10 characters), EDIFACT UNB sender/recipient, the openTRANS supplier party.
    sender_id: str = Field(default="MAGENTO", min_length=1, max_length=35)
    receiver_id: str = Field(default="ERP", min_length=1, max_length=35)

    @model_validator(mode="after")
    def _idoc_partners(self) -> OrdersSettings:
        if self.format == "idoc":
            for key in ("sender_id", "receiver_id"):
                if len(getattr(self, key)) > 10:
                    raise _invalid(
                        f"{key} is longer than the 10 characters of an IDoc partner"
                    )
        return self


class ShipmentsSettings(_Section):
    """The ERP → Magento shipment and invoice flow."""

    notify_customer: bool = True
    capture: bool = True
    amount_tolerance: Decimal = Decimal("0.01")
    settle_seconds: float = Field(default=600, ge=0)
    # "report": invoice and capture, then report a difference from the ERP's
    # invoice_amount; "hold": no invoice (no capture) while they differ beyond
    # amount_tolerance: the delivery is shipped and waits for `bridge resolve`.
    on_amount_mismatch: Literal["report", "hold"] = "report"


class SftpSettings(_Section):
    """The ERP's SFTP server; ``host = ""`` means local folders only."""

    host: str = ""
    port: int = 22
    username: str = ""
    key_file: str = ""
    key_passphrase: SecretStr = SecretStr("")
    password: SecretStr = SecretStr("")
    known_hosts: str = "~/.ssh/known_hosts"
    inbox: str = "/inbox"
    outbox: str = "/outbox"
    archive: str = "/archive"
    poll_seconds: float = Field(default=30, gt=0)
    timeout_seconds: float = Field(default=30, gt=0)
    allow_legacy_algorithms: bool = False
    delete_after_archive: bool = False


class RuntimeSettings(_Section):
    """Retry policy of the service loop (S4.5, S4.6) and where its log goes."""

    max_pending_age_seconds: float = Field(default=86400, gt=0)
    max_record_attempts: int = Field(default=5, ge=1)
    lease_seconds: float = Field(default=30, gt=0)
    backoff_max_seconds: float = Field(default=300, gt=0)
    log_format: Literal["auto", "json", "console"] = "auto"
    log_file: str = ""
    log_file_max_mb: float = Field(default=50, gt=0)
    log_file_backups: int = Field(default=5, ge=0)
    # Stock dated further ahead than this is refused (a clock gone wrong, issue 13).
    future_tolerance_seconds: float = Field(default=300, ge=0)
    # The service runs ``bridge reconcile stock`` and ``products`` this often; 0 = off.
    reconcile_hours: float = Field(default=0, ge=0)


class HttpUser(_Section):
    """One console user (``[[http.users]]``); the hash comes from ``bridge passwd``."""

    name: str = Field(min_length=1, max_length=64, pattern=r"^[^\s:]+$")
    password_hash: SecretStr
    role: Literal["viewer", "operator"] = "viewer"

    @field_validator("password_hash")
    @classmethod
    def _looks_like_a_hash(cls, value: SecretStr) -> SecretStr:
        # A PHC string ("$argon2id$...", "$scrypt$..."); a pasted plain password is refused
        # so it never sits in bridge.toml believed to be protected.
        if not value.get_secret_value().startswith("$"):
            raise _invalid("expected a hash printed by `bridge passwd`, not a password")
        return value


class HttpSettings(_Section):
    """The service's own web endpoint (console, /healthz, /metrics); ``listen = ""`` is none."""

    listen: str = ""
    users: list[HttpUser] = Field(default_factory=list)

    @field_validator("listen")
    @classmethod
    def _host_and_port(cls, value: str) -> str:
        if value:
            _split_listen(value)
        return value

    @field_validator("users")
    @classmethod
    def _unique_names(cls, users: list[HttpUser]) -> list[HttpUser]:
        names = [u.name for u in users]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise _invalid(f"user name given twice: {', '.join(twice)}")
        return users

    @property
    def address(self) -> tuple[str, int] | None:
        """The (host, port) to bind, host 127.0.0.1 when only a port is given; None if off."""
        return _split_listen(self.listen) if self.listen else None


def _invalid(message: str) -> PydanticCustomError:
    """A validation error whose message is shown as it is (no "Value error, " prefix)."""
    return PydanticCustomError(
        "invalid_setting", message.replace("{", "(").replace("}", ")")
    )


def _split_listen(value: str) -> tuple[str, int]:
    """Split ``host:port``, ``[v6]:port``, ``:port`` or ``port`` (host 127.0.0.1)."""
    host, sep, port = value.rpartition(":")
    if not sep:
        host, port = "", value
    host = host.removeprefix("[").removesuffix("]") or "127.0.0.1"
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise _invalid(f"expected host:port such as 127.0.0.1:8081, got {value!r}")
    return host, int(port)


class AlertsSettings(_Section):
    """Where alerts go (SPEC §8); nothing is sent while webhook and SMTP are both unset."""

    # The webhook URL is a credential: Slack and Teams URLs carry the token in the path.
    webhook_url: SecretStr = SecretStr("")
    smtp_host: str = ""
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_from: str = Field(default="", validate_default=True)
    smtp_to: list[str] = Field(default_factory=list, validate_default=True)
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_starttls: bool = False
    min_interval_seconds: float = Field(default=300, ge=0)
    timeout_seconds: float = Field(default=10, gt=0)

    @field_validator("webhook_url")
    @classmethod
    def _http_url(cls, value: SecretStr) -> SecretStr:
        url = value.get_secret_value()
        if url and not url.startswith(("http://", "https://")):
            # The value itself is not echoed: it may hold the webhook's token.
            raise _invalid("expected an http:// or https:// URL")
        return value

    @field_validator("smtp_from")
    @classmethod
    def _sender(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("smtp_host") and "@" not in value:
            raise _invalid("an e-mail address is needed when smtp_host is set")
        return value

    @field_validator("smtp_to")
    @classmethod
    def _recipients(cls, value: list[str], info: ValidationInfo) -> list[str]:
        if info.data.get("smtp_host") and not value:
            raise _invalid("at least one address is needed when smtp_host is set")
        bad = [a for a in value if "@" not in a]
        if bad:
            raise _invalid(f"not an e-mail address: {bad[0]!r}")
        return value

    @property
    def enabled(self) -> bool:
        """True when at least one channel (webhook or e-mail) is configured."""
        return bool(self.webhook_url.get_secret_value() or self.smtp_host)


class LayoutSettings(_Section):
    """One user layout (SPEC §7, ``[[layouts]]``).

    An ERP CSV read by its own column names, or any XML through an XSLT 1.0
    stylesheet to the canonical XML of its kind.
    """

    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    kind: Kind
    match: str = Field(min_length=1)
    columns: dict[str, str] = Field(default_factory=dict)
    constants: dict[str, str] = Field(default_factory=dict)
    date_format: str = ""
    xslt: Path | None = None

    @model_validator(mode="after")
    def _one_way(self) -> LayoutSettings:
        if (self.xslt is None) == (not self.columns):
            raise _invalid("a layout has either columns (CSV) or xslt (XML), not both")
        if self.xslt is not None and (self.constants or self.date_format):
            raise _invalid("constants and date_format belong to a CSV layout (columns)")
        return self


class Settings(BaseSettings):
    """Every setting of the bridge; see SPEC §5 and the README."""

    model_config = SettingsConfigDict(
        env_prefix="BRIDGE_",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    magento: MagentoSettings = Field(default_factory=MagentoSettings)
    folders: FoldersSettings = Field(default_factory=FoldersSettings)
    ledger: LedgerSettings = Field(default_factory=LedgerSettings)
    orders: OrdersSettings = Field(default_factory=OrdersSettings)
    shipments: ShipmentsSettings = Field(default_factory=ShipmentsSettings)
    sftp: SftpSettings = Field(default_factory=SftpSettings)
    runtime: RuntimeSettings = Field(default_factory=RuntimeSettings)
    http: HttpSettings = Field(default_factory=HttpSettings)
    alerts: AlertsSettings = Field(default_factory=AlertsSettings)
    layouts: list[LayoutSettings] = Field(default_factory=list)

    @field_validator("layouts")
    @classmethod
    def _unique_layouts(cls, value: list[LayoutSettings]) -> list[LayoutSettings]:
        names = [layout.name for layout in value]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise _invalid(f"layout name given twice: {twice[0]!r}")
        return value

    @property
    def root(self) -> Path:
        """The folder root, absolute."""
        return self.folders.root.expanduser().resolve()

    @property
    def ledger_url(self) -> str:
        """The ledger URL with a relative SQLite path resolved under the root."""
        url = self.ledger.url
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/"):
            rel = url[len(prefix) :]
            if rel and rel != ":memory:":
                return prefix + str(self.root / rel)
        return url
