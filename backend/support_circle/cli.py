"""``support-circle``: run the server and administer it.

Every command reads the same environment as the server (``DATABASE_URL``, ``DATA_DIR``, ...).
Administration prints counts and ids, never content: the server has none to print.
"""

import argparse
import logging
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

import uvicorn
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from support_circle.db import create_db_engine, driver_lacks
from support_circle.errors import AppError
from support_circle.migrate import is_at_head, upgrade_to_head
from support_circle.services import admin
from support_circle.settings import Settings, get_settings

MAX_USES = 1_000_000
MAX_DAYS = 36_500
WORKER_HEALTHCHECK_SECONDS = 30


class CommandError(Exception):
    """A command refused: its message says what to do instead."""


def _serve(_args: argparse.Namespace) -> int:
    settings = get_settings()
    if lacking := driver_lacks(settings.sqlalchemy_url):
        raise CommandError(f"cannot serve: {lacking}")
    print(f"Support Circle is running at http://{settings.host}:{settings.port}/  (Ctrl+C stops it)", flush=True)
    if settings.registration == "code":
        print(
            "New devices need a registration code: 'support-circle codes create' makes one."
            " (REGISTRATION=open lets any device register.)",
            flush=True,
        )
    with _shared_metrics(settings):
        _run_uvicorn(settings)
    return 0


@contextmanager
def _shared_metrics(settings: Settings) -> Iterator[None]:
    """With several workers, a fresh folder where each keeps its metrics, so that a scrape answered
    by any of them counts every worker's requests (``metrics.py``); removed when the server stops."""
    if settings.workers == 1 or not settings.metrics_enabled:
        yield
        return
    with tempfile.TemporaryDirectory(prefix="support-circle-metrics-") as folder:
        # The workers inherit it, and prometheus_client reads it as they import it.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
        try:
            yield
        finally:
            del os.environ["PROMETHEUS_MULTIPROC_DIR"]


def _run_uvicorn(settings: Settings) -> None:
    uvicorn.run(
        "support_circle.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        # Several processes share the listening socket; each runs the whole app (docs/self-hosting.md).
        workers=settings.workers,
        # The supervisor replaces a worker that does not answer its ping in time, from its first
        # moment: 5 s (the default) killed workers still importing on a loaded 2-core machine.
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        # uvloop and httptools are dependencies ("auto" would quietly fall back to asyncio and h11).
        loop="uvloop" if sys.platform != "win32" else "asyncio",
        http="httptools",
        log_level=settings.log_level.lower(),
        # Uvicorn's access log records client addresses and paths (which hold ids): off unless
        # the operator asks for it with LOG_CLIENT_ADDRESSES=true.
        access_log=settings.log_client_addresses,
        server_header=False,
        proxy_headers=False,
    )


def _migrate(_args: argparse.Namespace) -> int:
    engine = create_db_engine(get_settings().sqlalchemy_url)
    try:
        upgrade_to_head(engine)
    finally:
        engine.dispose()
    print("The database is up to date.")
    return 0


@contextmanager
def _database() -> Iterator[Session]:
    """A session on the configured database, once it carries the schema this code knows."""
    engine = create_db_engine(get_settings().sqlalchemy_url)
    try:
        if not is_at_head(engine):
            raise CommandError("The database is empty or needs an upgrade. Run 'support-circle migrate' first.")
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


def _when(moment: datetime | None, never: str = "never") -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else never


def _code_state(code: admin.CodeInfo, now: datetime) -> str:
    if code.revoked_at is not None:
        return f"revoked {_when(code.revoked_at)}"
    if code.uses >= code.max_uses:
        return "used up"
    if code.expires_at is not None and code.expires_at <= now:
        return "expired"
    return "usable"


def _codes_create(args: argparse.Namespace) -> int:
    with _database() as session:
        code, info = admin.create_code(session, args.uses, args.days)
    print("New registration code. It is shown only this once: the server keeps only its hash.\n")
    print(f"    {code}\n")
    print(f"id {info.id}, for {info.max_uses} device(s), expires {_when(info.expires_at)}.")
    print(f"Give it to the people who may register; 'support-circle codes revoke {info.id}' withdraws it.")
    return 0


def _codes_list(_args: argparse.Namespace) -> int:
    with _database() as session:
        codes = admin.list_codes(session)
    if not codes:
        print("No registration codes yet. 'support-circle codes create' makes one.")
        return 0
    now = datetime.now(UTC)
    print(f"{'id':<24}{'uses':>11}  {'created':<22}{'expires':<22}state")
    for code in codes:
        uses, created, expires = f"{code.uses}/{code.max_uses}", _when(code.created_at), _when(code.expires_at)
        print(f"{code.id:<24}{uses:>11}  {created:<22}{expires:<22}{_code_state(code, now)}")
    return 0


def _codes_revoke(args: argparse.Namespace) -> int:
    with _database() as session:
        info, already = admin.revoke_code(session, args.id)
    if already:
        print(f"Code {info.id} was revoked already, {_when(info.revoked_at)}.")
    else:
        print(f"Code {info.id} is revoked: no device can register with it any more ({info.uses} did).")
    return 0


def _stats(_args: argparse.Namespace) -> int:
    with _database() as session:
        numbers = admin.stats(session)
    rows = [
        ("devices", numbers.devices),
        ("circles", numbers.circles),
        ("changes", numbers.changes),
        ("membership log entries", numbers.membership_entries),
        ("pending join requests", numbers.pending_join_requests),
        ("bytes stored (ciphertext)", numbers.bytes_stored),
    ]
    for label, value in rows:
        print(f"{label:<28}{value:>14,}")
    return 0


def _purge_inactive(args: argparse.Namespace) -> int:
    with _database() as session:
        plan = admin.purge_inactive(session, args.days, apply=args.yes)
    print(f"Devices not seen since {_when(plan.cutoff)} ({args.days} days):")
    verb = "deleted" if args.yes else "to delete"
    print(f"  devices {verb:<10}{plan.devices:>10,}")
    print(f"  circles {verb:<10}{plan.circles:>10,}  (every member among those devices)")
    print(f"  changes {verb:<10}{plan.changes:>10,}  ({plan.bytes:,} bytes of ciphertext)")
    if plan.kept_devices:
        print(f"  {plan.kept_devices:,} more inactive device(s) kept: they share a circle with someone active.")
    if not args.yes:
        print("Nothing was deleted. Run again with --yes to delete this." if plan.devices else "Nothing to delete.")
    return 0


def _whole_number(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from {low} to {high:,}")
        return value

    return parse


def _add_codes(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    codes = commands.add_parser("codes", help="registration codes (REGISTRATION=code)")
    actions = codes.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="make a code and print it, once")
    create.add_argument("--uses", type=_whole_number(1, MAX_USES), default=1, help="devices it admits (default 1)")
    create.add_argument("--days", type=_whole_number(1, MAX_DAYS), help="days until it expires (default: never)")
    create.set_defaults(handler=_codes_create)
    actions.add_parser("list", help="list codes: id, uses, expiry, state (never the code)").set_defaults(
        handler=_codes_list
    )
    revoke = actions.add_parser("revoke", help="withdraw a code by its id")
    revoke.add_argument("id", help="the id 'codes list' shows")
    revoke.set_defaults(handler=_codes_revoke)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="support-circle", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "serve", help="run the sync service and the app (HOST, PORT, DATA_DIR, DATABASE_URL)"
    ).set_defaults(handler=_serve)
    commands.add_parser("migrate", help="bring the database schema up to date").set_defaults(handler=_migrate)
    _add_codes(commands)
    commands.add_parser("stats", help="counts of devices, circles, changes and bytes: no ids").set_defaults(
        handler=_stats
    )
    purge = commands.add_parser("purge-inactive", help="delete devices not seen for a number of days")
    purge.add_argument("--days", type=_whole_number(1, MAX_DAYS), required=True, help="inactive for this many days")
    purge.add_argument("--yes", action="store_true", help="delete; without it, only say what would go")
    purge.set_defaults(handler=_purge_inactive)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=get_settings().log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except (CommandError, AppError) as exc:
        print(f"support-circle: {exc}", file=sys.stderr)
    except SQLAlchemyError as exc:
        # The driver's own words say what failed (refused, unknown host, bad password) and hold no password.
        reason = str(getattr(exc, "orig", None) or type(exc).__name__).strip().splitlines()[0]
        print(f"support-circle: the database could not be used: {reason}. Check DATABASE_URL.", file=sys.stderr)
    return 1
