"""The commands that look into the past and repair: audit, retry, resolve, passwd, sandbox."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import click

from bridge.cli._app import cli
from bridge.cli._common import _BY, _fail, _operator, with_config
from bridge.config import Settings
from bridge.kinds import KINDS as KINDS  # re-exported: the CLI's kind choices


@cli.group()
def audit() -> None:
    """What happened, when, and from which file."""


def _audit(what: str, key: str, settings: Settings) -> None:
    from bridge import cli_text
    from bridge.usecases import Operations

    with Operations(settings) as ops:
        if what == "sku":
            sku = ops.audit_sku(key)
            text, found = cli_text.render_sku_audit(sku), sku.found
        elif what == "order":
            order = ops.audit_order(key)
            text, found = cli_text.render_order_audit(order), order.found
        else:
            named = ops.audit_file(key)
            text, found = cli_text.render_file_audit(named), named.found
    click.echo(text)
    sys.exit(0 if found else 1)


@audit.command("sku")
@click.argument("sku")
@with_config
def audit_sku(settings: Settings, sku: str) -> None:
    """History of one SKU (products and stock)."""
    _audit("sku", sku, settings)


@audit.command("order")
@click.argument("number")
@with_config
def audit_order(settings: Settings, number: str) -> None:
    """One order: its export, ERP shipments, Magento shipments and invoices."""
    _audit("order", number, settings)


@audit.command("file")
@click.argument("name")
@with_config
def audit_file(settings: Settings, name: str) -> None:
    """One received file: outcome, counts, rejected records, resolution."""
    _audit("file", name, settings)


@cli.command()
@click.argument("file_id", type=int)
@_BY
@with_config
def retry(settings: Settings, file_id: int, by: str | None) -> None:
    """Send failed file FILE_ID through the pipeline again (a copy into its inbox)."""
    from bridge.cli_text import render_retry
    from bridge.usecases import Operations

    with Operations(settings) as ops:
        view = ops.retry(file_id, who=_operator(by))
    click.echo(render_retry(view), err=view.refused is not None)
    sys.exit(1 if view.refused is not None else 0)


@cli.command()
@click.argument("name")
@click.option("--role", type=click.Choice(["viewer", "operator"]), default="viewer")
@click.option("--config", type=click.Path(path_type=Path), help="Accepted; not read.")
def passwd(name: str, role: str, config: Path | None) -> None:
    """Read a password and print the [[http.users]] entry with its hash."""
    import getpass

    from bridge.console.security import user_entry

    if sys.stdin.isatty():
        password = getpass.getpass(f"password for {name}: ")
        if getpass.getpass("again: ") != password:
            _fail("the two passwords differ")
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        _fail("an empty password is not allowed")
    try:
        click.echo(user_entry(name, password, role), nl=False)
    except ValueError as exc:
        _fail(f"passwd: {exc}")


@cli.command()
@click.argument("file_id", type=int, required=False)
@click.option("--note", required=True, help="What was done about the failure.")
@click.option(
    "--shipment", help="An ERP delivery whose invoice is held (amount mismatch)."
)
@click.option(
    "--release",
    "held_action",
    flag_value="release",
    help="With --shipment: invoice and capture it anyway.",
)
@click.option(
    "--close",
    "held_action",
    flag_value="close",
    help="With --shipment: never invoice it (done by hand, or not at all).",
)
@_BY
@with_config
def resolve(
    settings: Settings,
    file_id: int | None,
    note: str,
    shipment: str | None,
    held_action: str | None,
    by: str | None,
) -> None:
    """Mark failed file FILE_ID resolved, or release/close a held invoice.

    The note is kept in the ledger and shown by audit.
    """
    from bridge.cli_text import render_resolve, render_resolve_held
    from bridge.usecases import Operations

    if shipment is not None:
        if held_action not in ("release", "close") or file_id is not None:
            _fail("--shipment takes --release or --close, and no FILE_ID")
        with Operations(settings) as ops:
            held = ops.resolve_held(
                shipment,
                "release" if held_action == "release" else "close",
                note=note,
                who=_operator(by),
            )
        click.echo(render_resolve_held(held), err=held.refused is not None)
        sys.exit(1 if held.refused is not None else 0)
    if file_id is None:
        _fail("give FILE_ID, or --shipment with --release or --close")
    with Operations(settings) as ops:
        view = ops.resolve(int(file_id or 0), note=note, who=_operator(by))
    click.echo(render_resolve(view), err=view.refused is not None)
    sys.exit(1 if view.refused is not None else 0)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--token", default="sandbox-token", show_default=True)
@click.option(
    "--seed-orders", default=0, type=int, help="Create N realistic orders at start."
)
@click.option(
    "--state",
    "state_file",
    type=click.Path(path_type=Path),
    default=None,
    help="Persist the sandbox's state in this JSON file.",
)
@click.option(
    "--config",
    "config",
    type=click.Path(path_type=Path),
    default=None,
    help="Accepted for symmetry; the sandbox reads no bridge settings.",
)
def sandbox(
    host: str,
    port: int,
    token: str,
    seed_orders: int,
    state_file: Path | None,
    config: Path | None,
) -> None:
    """Serve the local Magento stand-in (for demos, trials and tests)."""
    from bridge.sandbox import SandboxServer

    server = SandboxServer(
        host=host,
        port=port,
        token=token,
        state_file=state_file,
        seed_orders=seed_orders,
    )
    click.echo(f"sandbox Magento on http://{host}:{port} (token {token!r})", err=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
