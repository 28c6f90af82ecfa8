"""Keep secrets out of alerts: every configured secret is blanked before delivery.

Alert texts are built from facts the runtime hands over, and some of those are error
messages from other systems, which may echo a header or a URL. Rather than trust every
source, the notifier scrubs each message for every secret value of the settings.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, SecretStr

__all__ = ["MASK", "Redactor", "secret_values"]

MASK = "[redacted]"


def secret_values(model: BaseModel) -> list[str]:
    """Every non-empty ``SecretStr`` value in ``model``, its sections and their lists."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, SecretStr):
            if value.get_secret_value():
                found.append(value.get_secret_value())
        elif isinstance(value, BaseModel):
            for name in type(value).model_fields:
                walk(getattr(value, name))
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)

    walk(model)
    return found


class Redactor:
    """Replaces every occurrence of the given secrets by ``[redacted]``.

    Args:
        secrets: The values never to show; longest first, so a secret containing
            another is blanked whole.
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def text(self, value: str) -> str:
        """Return ``value`` with every secret blanked."""
        for secret in self._secrets:
            if secret in value:
                value = value.replace(secret, MASK)
        return value

    def data(self, value: Any) -> Any:
        """Blank secrets in every string inside dicts, lists and tuples."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(str(k)): self.data(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.data(v) for v in value]
        return value
