"""``support-circle``: run the server and administer it."""

import argparse
import logging
from collections.abc import Sequence

import uvicorn

from support_circle.db import create_db_engine
from support_circle.migrate import upgrade_to_head
from support_circle.settings import get_settings


def _serve(_args: argparse.Namespace) -> int:
    settings = get_settings()
    print(f"Support Circle is running at http://{settings.host}:{settings.port}/  (Ctrl+C stops it)", flush=True)
    uvicorn.run(
        "support_circle.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        # Uvicorn's access log records client addresses; we keep none by default.
        access_log=False,
        server_header=False,
        proxy_headers=False,
    )
    return 0


def _migrate(_args: argparse.Namespace) -> int:
    engine = create_db_engine(get_settings().sqlalchemy_url)
    try:
        upgrade_to_head(engine)
    finally:
        engine.dispose()
    print("The database is up to date.")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="support-circle", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "serve", help="run the sync service and the app (HOST, PORT, DATA_DIR, DATABASE_URL)"
    ).set_defaults(handler=_serve)
    commands.add_parser("migrate", help="bring the database schema up to date").set_defaults(handler=_migrate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=get_settings().log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    handler = args.handler
    result: int = handler(args)
    return result
