"""bridge: file exchange between a legacy ERP and Magento 2."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
