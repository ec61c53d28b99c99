from __future__ import annotations

import logging
from typing import Annotated

import typer
from sqlalchemy.orm import Session, sessionmaker

from recruitiq import migrate
from recruitiq.config import get_settings

app = typer.Typer(
    help="RecruitIQ: recruiting API, webhook dispatcher and portal.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
webhooks_app = typer.Typer(help="Webhook delivery log.", no_args_is_help=True)
app.add_typer(webhooks_app, name="webhooks")
orgs_app = typer.Typer(help="Organizations: plans and usage.", no_args_is_help=True)
app.add_typer(orgs_app, name="orgs")


def _session_factory() -> sessionmaker[Session]:
    from recruitiq.db import make_engine, make_session_factory

    return make_session_factory(make_engine(get_settings().resolved_database_url))


@db_app.command("upgrade")
def db_upgrade(revision: str = "heads") -> None:
    """Apply migrations (the only way the schema is made)."""
    url = get_settings().resolved_database_url
    migrate.upgrade(url, revision)
    typer.echo("database is up to date")


@webhooks_app.command("purge")
def webhooks_purge(
    days: Annotated[
        int | None, typer.Option(help="Keep this many days (default RECRUITIQ_RETENTION_DAYS)")
    ] = None,
) -> None:
    """Delete events, deliveries and attempts past retention (the worker does it daily)."""
    from recruitiq.webhooks.retention import purge

    report = purge(_session_factory(), days if days is not None else get_settings().retention_days)
    typer.echo(
        f"purged {report.events} events, {report.deliveries} deliveries, "
        f"{report.attempts} attempts, {report.idempotency_records} idempotency records"
    )


@orgs_app.command("list")
def orgs_list() -> None:
    """Every organization with its plan and this month's usage."""
    from recruitiq.db import unit_of_work
    from recruitiq.usage import service

    with unit_of_work(_session_factory()) as session:
        usages = service.list_usage(session)
    typer.echo("\n".join(service.usage_table(usages)))


@orgs_app.command("set-plan")
def orgs_set_plan(
    org: Annotated[str, typer.Argument(help="Organization id (org_…)")],
    plan: Annotated[str, typer.Argument(help="free, pro or enterprise")],
) -> None:
    """Move an organization to another plan; held deliveries the new quota allows are sent now."""
    from recruitiq.db import unit_of_work
    from recruitiq.errors import DomainError
    from recruitiq.usage import service

    try:
        with unit_of_work(_session_factory()) as session:
            change = service.set_plan(session, org, plan)
    except DomainError as error:
        typer.echo(error.message, err=True)
        raise typer.Exit(2) from None
    usage = change.usage
    typer.echo(f"{usage.organization_id} ({usage.name}): {change.previous.name} -> "
               f"{change.plan.name}")
    typer.echo("\n".join(service.plan_lines(change.plan)))
    typer.echo(f"released {change.released} held deliveries; {usage.held} still held")


@app.command()
def bootstrap(
    reset_password: Annotated[
        bool, typer.Option("--reset-password", help="Give the demo admin a new password")
    ] = False,
) -> None:
    """Create the demo organization, an admin user and an API key (printed once)."""
    from recruitiq.bootstrap import ensure_demo_organization
    from recruitiq.db import unit_of_work

    settings = get_settings()
    with unit_of_work(_session_factory()) as session:
        creds = ensure_demo_organization(session, reset_password=reset_password)
    base = settings.public_url.rstrip("/")
    links = [f"  API docs     : {base}/docs", f"  portal       : {base}/portal", ""]
    if creds.created:
        typer.echo(
            "\n".join(
                [
                    "",
                    "RecruitIQ demo organization created. These secrets are shown only now:",
                    f"  login e-mail : {creds.email}",
                    f"  password     : {creds.password}",
                    f"  API key      : {creds.api_key}",
                    *links,
                ]
            )
        )
        return
    lines = ["", f"Demo organization already exists ({creds.organization_id})."]
    if creds.renamed_from:
        lines.append(
            f"Its admin's login was {creds.renamed_from}, which sign-in refuses (a reserved "
            f"domain); it is now {creds.email}, same password."
        )
    lines.append(f"  login e-mail : {creds.email}")
    if creds.password:
        lines.append(f"  password     : {creds.password}   (new; shown only now)")
    else:
        lines += [
            "Its password and API key were printed when it was created. Lost them?",
            "  new password : recruitiq bootstrap --reset-password",
            f"  new API key  : recruitiq create-api-key --org {creds.organization_id} "
            "--scopes jobs:read,jobs:write  (or the portal's API keys page)",
        ]
    typer.echo("\n".join([*lines, *links]))


@app.command("create-api-key")
def create_api_key(
    org: Annotated[str, typer.Option(help="Organization id (org_…)")],
    scopes: Annotated[str, typer.Option(help="Comma-separated, e.g. jobs:read,webhooks:write")],
    name: Annotated[str, typer.Option()] = "CLI key",
) -> None:
    """Create an API key for an organization and print it (once)."""
    from recruitiq.auth import service
    from recruitiq.auth.scopes import ALL_SCOPES
    from recruitiq.bootstrap import organization_exists
    from recruitiq.db import unit_of_work

    wanted = [s.strip() for s in scopes.split(",") if s.strip()]
    unknown = [s for s in wanted if s not in ALL_SCOPES]
    if unknown or not wanted:
        known = ", ".join(ALL_SCOPES)
        typer.echo(f"unknown or missing scopes: {unknown}; known: {known}", err=True)
        raise typer.Exit(2)
    with unit_of_work(_session_factory()) as session:
        if not organization_exists(session, org):
            typer.echo(f"no organization {org}", err=True)
            raise typer.Exit(2)
        _, key = service.create_api_key(session, org, name, wanted)
    typer.echo(key)


# uvicorn kills an API process that does not answer its supervisor's health check in time
# (default 5 s). A process busy importing the app on a loaded host, or saturated by
# traffic, answers late without being hung; killing it turns overload into an outage.
WORKER_HEALTHCHECK_SECONDS = 60


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    no_worker: Annotated[
        bool, typer.Option("--no-worker", help="API only; run workers apart")
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            "--workers", min=1,
            help="API processes sharing the port (PostgreSQL only; each embeds a dispatcher "
            "unless --no-worker)",
        ),
    ] = 1,
    access_log: Annotated[
        bool, typer.Option("--access-log", help="Log every request (costs ~5% of a request)")
    ] = False,
) -> None:
    """Serve the API, the portal and (unless --no-worker) the webhook dispatcher."""
    import uvicorn

    from recruitiq.app import create_app
    from recruitiq.db import is_sqlite

    if workers > 1 and is_sqlite(get_settings().resolved_database_url):
        typer.echo(
            "--workers needs PostgreSQL (RECRUITIQ_DATABASE_URL=postgresql+psycopg://...): "
            "SQLite has a single writer, which one process already keeps busy; more "
            "processes would only queue on its file lock.",
            err=True,
        )
        raise typer.Exit(2)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    options: dict[str, object] = {
        "host": host, "port": port, "log_level": "info", "access_log": access_log,
    }
    if workers == 1:
        uvicorn.run(create_app(run_worker=not no_worker), **options)  # type: ignore[arg-type]
        return
    factory = "recruitiq.app:api_only_app" if no_worker else "recruitiq.app:app_with_worker"
    options["timeout_worker_healthcheck"] = WORKER_HEALTHCHECK_SECONDS
    uvicorn.run(factory, factory=True, workers=workers, **options)  # type: ignore[arg-type]


@app.command()
def worker() -> None:
    """Run the webhook dispatcher and other background jobs (any number, on any hosts)."""

    from recruitiq.worker import run_event_loop, run_standalone

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    run_event_loop(run_standalone(get_settings()))


def main() -> None:
    app()
