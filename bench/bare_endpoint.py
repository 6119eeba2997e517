"""The framework's ceiling: a bare FastAPI endpoint doing one INSERT and COMMIT, nothing else.

    python -m bench.bare_endpoint      (HOST, PORT and DATABASE_URL from the environment)

``sync_server.py`` starts it as it starts the sync service (its own process, uvicorn on loopback
with the same options, ``WORKERS`` processes) and pushes the same bodies at it from the same client, so a push's figures
read as a fraction of what FastAPI, uvicorn, SQLAlchemy and the database allow on this machine in
this run. No sign-in, no validation beyond parsing the JSON, no service code: one row of a scratch
table, written in its own transaction, per request.

The engine is SQLAlchemy's default (PostgreSQL: no pre-ping), and SQLite runs with the sync
service's pragmas (WAL, synchronous=NORMAL, a busy timeout), so both pay the same for a commit.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, create_engine, event, insert

from support_circle.settings import Settings

metadata = MetaData()
scratch = Table(
    "bench_scratch",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("change_id", String(22)),
)


def _engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url)
    engine = create_engine(url, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "busy_timeout=5000", "synchronous=NORMAL"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    return engine


def create_app() -> FastAPI:
    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = _engine(settings.sqlalchemy_url)
        app.state.engine = engine
        yield
        engine.dispose()

    app = FastAPI(lifespan=lifespan)

    @app.get("/readyz")
    def ready() -> dict[str, str]:
        return {"status": "ready"}

    @app.post("/bare")
    def bare(request: Request, body: dict[str, Any]) -> dict[str, bool]:
        engine: Engine = request.app.state.engine
        with engine.begin() as connection:
            connection.execute(insert(scratch), {"change_id": str(body["changes"][0]["change_id"])})
        return {"ok": True}

    return app


if __name__ == "__main__":
    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    # Once, before the workers start: several creating the table at once would collide.
    engine = _engine(settings.sqlalchemy_url)
    metadata.create_all(engine)
    engine.dispose()
    uvicorn.run(
        "bench.bare_endpoint:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        timeout_worker_healthcheck=30,
        loop="uvloop",
        http="httptools",
        log_level="warning",
        access_log=False,
        server_header=False,
        proxy_headers=False,
    )
