"""The local Magento 2.4 REST stand-in: demos, trials and every integration test.

It imports nothing of the bridge's client or flows (S1.4), so it cannot agree with
the client by sharing its mistakes: its rules come from Magento's behaviour as
recorded in the reference API facts and the official REST schema.
"""

from __future__ import annotations

from bridge.sandbox._auth import OAuthKeys
from bridge.sandbox.server import DEFAULT_TOKEN, SandboxServer

__all__ = ["DEFAULT_TOKEN", "OAuthKeys", "SandboxServer"]
