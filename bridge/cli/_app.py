"""The command group and the commands that run, check and inspect the bridge.

Exit codes: 0 ok; 1 some file failed or had rejects (``validate``: invalid; ``audit``:
unknown); 2 usage or configuration error, always with one clear line.
"""

from __future__ import annotations

import atexit
import logging
import os
import signal
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import click

from bridge import __version__
from bridge.cli._common import DEFAULT_CONFIG, _fail, _verbose, with_config
from bridge.config import Settings, load_config
from bridge.errors import BridgeError, ConfigError
from bridge.kinds import FOLDERS, kind_for_folder
from bridge.kinds import KINDS as KINDS  # re-exported: the CLI's kind choices
from bridge.runtime.logsetup import configure_logging, configure_logging_for
from bridge.runtime.templates import CONFIG_TEMPLATE


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="bridge")
@click.option("-v", "--verbose", is_flag=True, help="Log debug events.")
def cli(verbose: bool) -> None:
    """File exchange between a legacy ERP and Magento 2."""
    configure_logging(verbose=verbose)


@cli.command()
@click.argument(
    "directory", type=click.Path(path_type=Path, file_okay=False), default="."
)
def init(directory: Path) -> None:
    """Write a commented bridge.toml and create the folders in DIRECTORY."""
    directory.mkdir(parents=True, exist_ok=True)
    for sub in (
        "inbox/products",
        "inbox/stock",
        "inbox/shipments",
        "outbox/orders",
        "archive",
        "failed",
        "var",
    ):
        (directory / sub).mkdir(parents=True, exist_ok=True)
    target = directory / "bridge.toml"
    if target.exists():
        click.echo(f"{target} exists; left as it is. Folders are in place.")
        return
    target.write_text(CONFIG_TEMPLATE, encoding="utf-8")
    click.echo(f"wrote {target} and the folders inbox/ outbox/ archive/ failed/ var/")


def _components(settings: Settings) -> Any:
    from bridge.runtime import build

    return build(settings)


@cli.command()
@click.option(
    "--once", is_flag=True, help="Handle everything pending, poll orders once, exit."
)
@with_config
def run(settings: Settings, once: bool) -> None:
    """Run the service: watch the inboxes, apply files, export new orders."""
    from bridge.runtime import Service
    from bridge.runtime.watcher import InboxWatcher

    comps = _components(settings)
    source = click.get_current_context().params.get("config")
    if source is None and DEFAULT_CONFIG.is_file():
        source = DEFAULT_CONFIG
    # While Magento refuses the credentials, [magento] is read again before each
    # probe, so a token replaced in bridge.toml is taken without a restart.
    service = Service(comps, reload=lambda: load_config(source).magento)
    try:
        if once:
            summary = service.run_once()
            _print_summary(summary)
            sys.exit(1 if summary.had_problems or summary.pending else 0)
        server = _serve(settings, comps)
        watcher = InboxWatcher(
            [settings.root / "inbox" / f for f in FOLDERS], service.wake
        )
        watcher.start()

        caught: list[int] = []

        def _stop(signum: int, _frame: object) -> None:
            caught.append(signum)
            service.stop_event.set()
            service.wake.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        # The service's log is its standard output (journald, containers); the
        # settings are read once, so say that an edit needs a restart.
        configure_logging_for(settings, verbose=_verbose(), service=True)
        config = click.get_current_context().params.get("config") or DEFAULT_CONFIG
        click.echo(
            f"bridge running on {settings.root} (Ctrl-C to stop); settings are read "
            f"once: edits to {config} take effect after a restart",
            err=True,
        )
        try:
            service.run_forever()
        finally:
            watcher.stop()
            if server is not None:
                server.stop()
    finally:
        comps.close()
    if caught:
        _leave_now()


def _leave_now() -> None:
    """End the stopped service without the interpreter's module teardown.

    Everything is closed (ledger, leases, connections) and the log flushed first;
    tearing down every imported module takes 1-2 s more on a busy host, and a
    stop is due within 2 s (issue 17).
    """
    atexit._run_exitfuncs()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _serve(settings: Settings, comps: Any) -> Any:
    """Start the console, /healthz and /metrics when ``[http] listen`` is set."""
    if settings.http.address is None:
        return None
    from bridge.console import ConsoleServer

    server = ConsoleServer(settings, comps.telemetry)
    server.start()
    host, port = server.address
    click.echo(f"console, /healthz and /metrics on http://{host}:{port}/", err=True)
    return server


def _print_summary(summary: Any, *, orders: bool = True) -> None:
    """Print each file's outcome and, when the order export ran, its counts."""
    for o in summary.outcomes:
        where = f" -> {o.final_path}" if o.final_path else ""
        click.echo(f"{o.kind}/{o.name}: {o.status}{where}")
        if o.report_path and o.status in ("failed", "partial"):
            click.echo(f"  report: {o.report_path}")
        for issue in o.issues[:20]:
            click.echo(f"  {issue}")
    if orders:
        click.echo(
            f"orders exported: {summary.exported}, "
            f"not exportable: {summary.export_failed}"
        )
    if summary.pending:
        click.echo(
            f"{summary.pending} file(s) still pending; they resume on the next run"
        )
    if getattr(summary, "paused", ""):
        click.echo(f"Magento flows paused: {summary.paused}")


def _progress_bar(label: str, items: Iterable[Any], total: int | None) -> Iterator[Any]:
    """Show a progress bar on stderr while ``items`` are consumed."""
    with click.progressbar(
        items,
        length=total,
        label=label,
        file=sys.stderr,
        show_pos=True,
        update_min_steps=500,
    ) as bar:
        yield from bar


def _progress() -> Any:
    """A progress wrapper when stderr is a terminal; None (quiet) otherwise."""
    return _progress_bar if sys.stderr.isatty() else None


def guess_kind(path: Path) -> str | None:
    """Guess a file's kind from its folder, else from its content (root or header)."""
    from bridge.formats import REGISTRY

    return kind_for_folder(path.parent.name) or REGISTRY.guess_kind(path)


def _kind_for(path: Path, kind: str | None) -> str:
    found = kind or guess_kind(path)
    if found is None:
        raise ConfigError(
            f"{path}: cannot tell the kind of this file; pass --kind {'|'.join(KINDS)}"
        )
    return found


@cli.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--kind", type=click.Choice(KINDS), default=None)
@click.option(
    "--force", is_flag=True, help="Re-apply even if this content was applied before."
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Print the plan from Magento (GET only); apply and move nothing.",
)
@with_config
def process(
    settings: Settings, file: Path, kind: str | None, force: bool, dry_run: bool
) -> None:
    """Apply one file now (a copy is archived; a file in an inbox is moved)."""
    from bridge.cli_text import render_process
    from bridge.usecases import Operations

    if not file.is_file() or file.is_symlink():
        _fail(f"{file}: not a regular file")
    kind = _kind_for(file, kind)
    with Operations(settings) as ops:
        view = ops.process(
            file, kind, force=force, progress=_progress(), dry_run=dry_run
        )
    for line in render_process(view):
        click.echo(line)
    sys.exit(1 if view.had_problems else 0)


@cli.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--kind", type=click.Choice(KINDS), default=None)
@with_config(folder=False)
def validate(settings: Settings, file: Path, kind: str | None) -> None:
    """Check a file against its schema; apply nothing; print every problem."""
    from bridge.formats import validate_file

    if not file.is_file():
        _fail(f"{file}: no such file")
    kind = _kind_for(file, kind)
    bar = _progress()
    result = validate_file(
        file,
        kind,  # type: ignore[arg-type]
        csv=settings.folders.csv.for_kind(kind),
        name=file.name,
        progress=(lambda it: bar(f"checking {file.name}", it, None)) if bar else None,
    )
    for issue in result.issues:
        click.echo(str(issue))
    if result.issues:
        click.echo(f"{file.name}: invalid ({len(result.issues)} problem(s))", err=True)
        sys.exit(1)
    click.echo(
        f"{file.name}: valid {kind} file, {result.record_count} record(s)", err=True
    )


@cli.command()
@with_config(folder=False)
def layouts(settings: Settings) -> None:
    """List the layouts each inbox reads (in the order asked) and the order formats."""
    from bridge.formats import REGISTRY
    from bridge.formats.orders import ORDER_LAYOUTS, order_file_name

    rows: list[tuple[str, str, str, str]] = [
        (i.kind, i.layout, i.fmt, i.matches) for i in REGISTRY.layouts()
    ]
    chosen = settings.orders.format
    for fmt, what in ORDER_LAYOUTS.items():
        ext = order_file_name("", fmt).rsplit(".", 1)[1]
        mark = " (configured)" if fmt == chosen else ""
        rows.append(("orders", fmt, ext, f'orders.format = "{fmt}": {what}{mark}'))
    widths = [max(len(r[c]) for r in rows) for c in range(3)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        click.echo("  ".join([*cells, row[3]]))


@cli.command("export-orders")
@with_config
def export_orders(settings: Settings) -> None:
    """Poll Magento once and write new orders to outbox/orders/."""
    comps = _components(settings)
    try:
        result = comps.export.run()
        if result.held:
            click.echo("another bridge process is exporting orders now; nothing done")
        for name in result.exported:
            click.echo(f"exported {name}")
        for number, reason in result.failed:
            click.echo(f"order {number} not exported: {reason}")
        click.echo(
            f"{len(result.exported)} exported, {len(result.failed)} not exportable"
        )
        sys.exit(1 if result.failed else 0)
    except BridgeError as exc:
        _fail(f"export failed: {exc}", code=1)
    finally:
        comps.close()


@cli.command()
@click.option(
    "--json", "as_json", is_flag=True, help="One JSON object instead of lines."
)
@with_config
def status(settings: Settings, as_json: bool) -> None:
    """Show what needs attention, the service, counts, last runs, errors and cursors.

    Exits 1 when something needs attention (unresolved failed files or rejects, orders
    not exportable, invoice mismatches or held invoices, Magento flows paused, files
    pending while no service runs), else 0.
    """
    from bridge.cli_text import render_status, render_status_json
    from bridge.usecases import Operations

    with Operations(settings) as ops:
        view = ops.status()
    click.echo(render_status_json(view) if as_json else render_status(view))
    sys.exit(1 if view.needs_attention else 0)


@cli.command()
@click.option(
    "--json", "as_json", is_flag=True, help="One JSON object instead of lines."
)
@with_config
def doctor(settings: Settings, as_json: bool) -> None:
    """Check, read-only, everything the configuration points at; exit 1 on any FAIL."""
    import json

    from bridge.runtime.doctor import run_checks

    checks = run_checks(settings)
    failed = any(c.status == "FAIL" for c in checks)
    if as_json:
        report = {"ok": not failed, "checks": [c.as_dict() for c in checks]}
        click.echo(json.dumps(report, ensure_ascii=False))
    else:
        for c in checks:
            fix = f" -> {c.fix}" if c.fix and c.status != "OK" else ""
            click.echo(f"{c.status:<4} {c.name}: {c.found}{fix}")
    sys.exit(1 if failed else 0)


@cli.command()
@click.argument("what", type=click.Choice(["stock", "products"]))
@click.option("--sku", "skus", multiple=True, help="Only this SKU (repeatable).")
@with_config
def reconcile(settings: Settings, what: str, skus: tuple[str, ...]) -> None:
    """Write the ERP's last values back where Magento differs; exit 1 if some failed."""
    from bridge.usecases import Operations

    try:
        with Operations(settings) as ops:
            report = ops.reconcile(what, skus)
    except BridgeError as exc:
        _fail(f"reconcile {what} failed: {exc}", code=1)
    for line in report.details:
        click.echo(line)
    for line in report.failed:
        click.echo(f"not fixed: {line}")
    click.echo(
        f"{what}: {report.checked} checked, {report.drifted} drifted, "
        f"{report.fixed} fixed, {len(report.failed)} not fixed"
    )
    sys.exit(1 if report.failed else 0)


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point."""
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="bridge")
    except ConfigError as exc:
        _fail(str(exc))
