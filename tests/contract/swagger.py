"""Validate Magento REST bodies against the official 2.4 Swagger schema.

The contract (STYLE S7.4): every field present must be a field of its definition
(``additionalProperties`` is false, except in ``*-extension-interface`` objects and
``extension_attributes``, which modules extend), every value has the declared type,
``null`` is allowed everywhere, and ``required`` is *not* enforced (the schema's
required lists are generator noise, API-FACTS §2).

One deliberate correction: the schema declares ``error-response.parameters`` as an
array of objects, but Magento answers an array of values for ``%1`` placeholders and
an object for named ones (API-FACTS §7 [A2][M16]); both real shapes are accepted.

Usage::

    problems = validate_response("GET", "/rest/V1/orders/3", 200, body)
    assert problems == []
"""

from __future__ import annotations

import copy
import json
import os
import re
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator

SCHEMA_FILE = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "reference"
    / "magento"
    / "magento-2.4-rest-swagger.json"
)
_REST = re.compile(r"^/rest(?:/(?!V1/)[A-Za-z0-9_]+)?(?P<route>/V1/.*)$")
_OPEN_OBJECT = {"type": ["object", "null"]}


def schema_available() -> bool:
    """Whether the official schema file is present (tests skip otherwise).

    In CI (``CI`` set) the schema must be there: a missing file is an error, never a
    silent skip of the contract tests.
    """
    if SCHEMA_FILE.is_file():
        return True
    if os.environ.get("CI"):
        raise RuntimeError(f"CI runs need Magento's schema at {SCHEMA_FILE}")
    return False


def _loosen(node: Any, *, open_object: bool = False) -> Any:
    """Rewrite one Swagger schema node into the contract's JSON Schema."""
    if isinstance(node, list):
        return [_loosen(item) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return {"$ref": node["$ref"]}  # every definition itself allows null
    out = {k: v for k, v in node.items() if k not in ("required", "description", "xml")}
    if "properties" in out:
        out["properties"] = {
            name: _OPEN_OBJECT
            if name == "extension_attributes" and "$ref" in sub
            else _loosen(sub)
            for name, sub in out["properties"].items()
        }
        out["additionalProperties"] = open_object
    if "items" in out:
        out["items"] = _loosen(out["items"])
    if isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    return out


@cache
def _document() -> dict[str, Any]:
    raw = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    definitions = {
        name: _loosen(schema, open_object=name.endswith("-extension-interface"))
        for name, schema in raw["definitions"].items()
    }
    definitions["error-parameters"] = {"type": ["array", "object", "null"]}
    definitions["error-response"]["additionalProperties"] = False
    templates = []
    for template, operations in raw["paths"].items():
        regex = re.compile(
            "^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template)) + "$"
        )
        templates.append((template.count("{"), template, regex, operations))
    templates.sort(key=lambda t: t[0])  # literal segments win over parameters
    return {"definitions": definitions, "templates": templates}


def operation(method: str, path: str) -> tuple[str, dict[str, Any]] | None:
    """Find the Swagger template and operation for a request path.

    Args:
        method: HTTP method.
        path: The request path, e.g. ``/rest/all/V1/products/SKU-1`` or ``/V1/orders``.

    Returns:
        ``(template, operation)`` or None when the schema has no such route.
    """
    found = _REST.match(path)
    route = found["route"] if found else path
    for _, template, regex, operations in _document()["templates"]:
        if regex.match(route) and method.lower() in operations:
            return template, operations[method.lower()]
    return None


def _check(schema: dict[str, Any] | None, body: Any, where: str) -> list[str]:
    if schema is None:
        return []
    root = {"definitions": _document()["definitions"], **_loosen(copy.deepcopy(schema))}
    validator = Draft4Validator(root)
    return [
        f"{where}: {'/'.join(str(p) for p in error.absolute_path) or '<root>'}: "
        f"{error.message[:300]}"
        for error in validator.iter_errors(body)
    ]


def validate_request(method: str, path: str, body: Any) -> list[str]:
    """Return the contract problems of a request body (empty list: valid).

    A path the schema does not know is itself a problem.
    """
    found = operation(method, path)
    if found is None:
        return [f"{method} {path}: no such operation in the schema"]
    template, op = found
    if body is None:
        return []
    params = [p for p in op.get("parameters", []) if p.get("in") == "body"]
    if not params:
        return [f"{method} {template}: the schema expects no body"]
    return _check(params[0]["schema"], body, f"{method} {template} request")


def validate_response(method: str, path: str, status: int, body: Any) -> list[str]:
    """Return the contract problems of a response body (empty list: valid).

    Error answers (status >= 400) are checked against ``error-response`` even for
    paths the schema does not know (Magento's 404 "no route" answer included).
    """
    if status >= 400:
        return _check(
            {"$ref": "#/definitions/error-response"}, body, f"{method} {path} {status}"
        )
    found = operation(method, path)
    if found is None:
        return [f"{method} {path}: no such operation in the schema"]
    template, op = found
    response = op.get("responses", {}).get(str(status)) or {}
    return _check(response.get("schema"), body, f"{method} {template} {status}")


def validate_exchange(entry: dict[str, Any]) -> list[str]:
    """Validate one request-log entry (``/sandbox/requests`` or a record file line).

    ``/sandbox/`` helpers are not Magento's and dropped connections have no body;
    both are skipped.
    """
    if entry["path"].startswith("/sandbox/") or entry.get("status") is None:
        return []
    problems = []
    if entry["status"] < 400 and entry["method"] != "GET":
        problems += validate_request(entry["method"], entry["path"], entry.get("body"))
    return problems + validate_response(
        entry["method"], entry["path"], entry["status"], entry.get("response")
    )
