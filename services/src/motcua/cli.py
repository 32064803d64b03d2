"""The `motcua` command."""

from __future__ import annotations

import asyncio
import json
import logging
import os
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from gateway.settings import Settings as GatewaySettings
from motcua import stack as stack_ops
from motcua_shared.chassis.serve import proxy_options

app = typer.Typer(help="motcua — the platform of online public services (một cửa).", no_args_is_help=True)
stack_app = typer.Typer(help="Kafka, PostgreSQL and one process per service.", no_args_is_help=True)
app.add_typer(stack_app, name="stack")
payments_app = typer.Typer(help="Payments: reconciliation of statements.", no_args_is_help=True)
app.add_typer(payments_app, name="payments")

VarDir = Annotated[Path, typer.Option(help="Where the embedded mode keeps its SQLite files and keys.")]


@app.command()
def run(
    host: str = "127.0.0.1",
    port: int = 8000,
    var_dir: VarDir = Path("var"),
) -> None:
    """The whole platform in one process on http://HOST:PORT: SQLite, in-process bus, migrated, seeded.

    Links, redirects, callback URLs and QR codes start with ``MOTCUA_PUBLIC_URL``, else with
    http://HOST:PORT."""
    from motcua.embedded import create_platform
    from motcua.infra.ports import listen_socket
    from motcua_shared.chassis.logging import configure_logging
    from motcua_shared.chassis.settings import PUBLIC_URL_ENV, listening_url

    # The port is taken before anything else, so a busy port is refused before any migration or seeding.
    try:
        sock = listen_socket(host, port)
    except OSError as exc:
        typer.echo(
            f"motcua run: cannot listen on {host}:{port} ({exc.strerror or exc}); another program holds "
            "the port: stop it, or choose another with --port (make run PORT=…)",
            err=True,
        )
        raise typer.Exit(1) from exc
    configure_logging("motcua", level=os.environ.get("MOTCUA_LOG_LEVEL", "INFO"))
    public_url = os.environ.get(PUBLIC_URL_ENV) or listening_url(host, port)
    with sock:
        asyncio.run(_seed_embedded(var_dir))
        config = uvicorn.Config(
            create_platform(var_dir, public_url=public_url),
            host=host,
            port=port,
            log_config=None,
            access_log=False,
            # The platform's public face is the gateway: its settings say which proxies are trusted.
            **proxy_options(GatewaySettings().http),
        )
        uvicorn.Server(config).run(sockets=[sock])


@app.command()
def migrate(var_dir: VarDir = Path("var")) -> None:
    """Migrate every service's database to its newest schema (the URLs come from each service's env)."""
    from motcua.services import migrate_all

    for name, url in migrate_all(var_dir):
        typer.echo(f"{name}: migrated {url.split('@')[-1]}")


@app.command()
def seed(var_dir: VarDir = Path("var")) -> None:
    """Load the shipped reference data into the services that have some (idempotent)."""
    for line in asyncio.run(_seed_embedded(var_dir)):
        typer.echo(line)


async def _seed_embedded(var_dir: Path) -> list[str]:
    from motcua.services import seed_all

    return await seed_all(var_dir)


@app.command()
def openapi(
    out: Annotated[Path, typer.Argument(help="The file to write (the web app's API snapshot).")],
) -> None:
    """Write the platform's merged OpenAPI document, as the embedded gateway serves it at /openapi.json."""
    from motcua.embedded import merged_openapi

    document = asyncio.run(merged_openapi())
    out.write_text(
        json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    typer.echo(f"{out}: {len(document['paths'])} paths")


@stack_app.command("up")
def stack_up(
    root: Annotated[Path, typer.Option(help="State, data and logs.")] = Path("var/stack"),
    base_port: Annotated[
        int, typer.Option(help="The gateway's port; the services take the next four.")
    ] = 8000,
    replicas: Annotated[
        int,
        typer.Option(
            min=1,
            help="Processes per service and gateway; more than one runs them behind nginx on the same ports "
            "(replica r of the app at port p listens on p + 10·r).",
        ),
    ] = 1,
    brokers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Kafka brokers; 3 runs a KRaft cluster (replication factor 3, min.insync.replicas=2).",
        ),
    ] = 1,
    supervise: Annotated[
        bool, typer.Option(help="Restart whatever dies (a process, the broker, the database).")
    ] = True,
    proxy: Annotated[
        bool,
        typer.Option(
            help="Reach Kafka and PostgreSQL through Toxiproxy (`make toxiproxy`), for fault tests: "
            "latency and resets through its API."
        ),
    ] = False,
) -> None:
    """Start Kafka, PostgreSQL, the four services and the gateway; wait until all are ready."""
    try:
        state = stack_ops.up(
            stack_ops.StackPaths(root),
            base_port=base_port,
            replicas=replicas,
            brokers=brokers,
            supervise=supervise,
            proxy=proxy,
        )
    except RuntimeError as exc:
        typer.echo(f"stack up failed: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"stack up: gateway on http://127.0.0.1:{base_port}, Kafka at {state['bootstrap']}")


@stack_app.command("status")
def stack_status(root: Annotated[Path, typer.Option()] = Path("var/stack")) -> None:
    """Each process of the stack, its pid and readiness."""
    rows = stack_ops.status(stack_ops.StackPaths(root))
    if not rows:
        typer.echo("no stack is up")
        raise typer.Exit(1)
    for row in rows:
        state = "ready" if row["ready"] else ("running" if row["running"] else "stopped")
        restarts = f"  restarted {row['restarts']}×" if row.get("restarts") else ""
        typer.echo(f"{row['name']:<15} pid {row['pid'] or '-':<8} {state:<8} {row['address']}{restarts}")
    if not all(r["ready"] for r in rows):
        raise typer.Exit(1)


@stack_app.command("restart")
def stack_restart(
    part: Annotated[
        str,
        typer.Argument(
            help="kafka (kafka-N in a cluster), postgres, a service or replica, payment-sandbox, gateway."
        ),
    ],
    root: Annotated[Path, typer.Option()] = Path("var/stack"),
) -> None:
    """Restart one part of the stack on the same ports with the same settings (running or dead)."""
    try:
        stack_ops.restart(stack_ops.StackPaths(root), part)
    except RuntimeError as exc:
        typer.echo(f"stack restart failed: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"restarted: {part}")


@stack_app.command("supervise", hidden=True)
def stack_supervise(root: Annotated[Path, typer.Option()] = Path("var/stack")) -> None:
    """Restart what dies until the stack is taken down (`stack up` starts this itself)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    stack_ops.supervise(stack_ops.StackPaths(root))


@stack_app.command("down")
def stack_down(root: Annotated[Path, typer.Option()] = Path("var/stack")) -> None:
    """Stop everything `stack up` started, by process id."""
    stopped = stack_ops.down(stack_ops.StackPaths(root))
    typer.echo("stopped: " + (", ".join(stopped) if stopped else "nothing"))


@payments_app.command("reconcile")
def payments_reconcile(
    day: Annotated[str, typer.Option("--date", help="The statement day, YYYY-MM-DD (Vietnam time).")],
    provider: Annotated[str | None, typer.Option(help="`bank`, `sandbox`, `vnpay`; all if omitted.")] = None,
    statement: Annotated[Path | None, typer.Option(help="A CSV statement to import first.")] = None,
    var_dir: VarDir = Path("var"),
) -> None:
    """Import a provider or bank statement (CSV) and report matched, missing and mismatched payments."""
    from datetime import date

    from motcua.services import settings_of
    from payment_svc.reconciliation.command import reconcile
    from payment_svc.settings import Settings as PaymentSettings

    settings = settings_of("payment", var_dir)
    assert isinstance(settings, PaymentSettings)
    report = asyncio.run(
        reconcile(settings, day=date.fromisoformat(day), provider=provider, statement=statement)
    )
    typer.echo(report.model_dump_json(indent=2))
    if report.amount_mismatches or report.missing_ours or report.missing_theirs:
        raise typer.Exit(1)


def main() -> None:
    """Entry point of the `motcua` script."""
    app()


if __name__ == "__main__":
    main()
