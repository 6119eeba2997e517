"""The service's PostgreSQL connections plan each statement when it runs, for its values, with the
table as it is then: a generic plan stays as it was made, and one made while a circle's changes were
few read the whole table by the time they were many (bench/push_profile.py)."""

import pytest
from psycopg.conninfo import conninfo_to_dict
from sqlalchemy import bindparam, select, text

from support_circle.db import create_db_engine, driver_statement, libpq_conninfo
from support_circle.models.columns import UTCDateTime
from support_circle.pipelines import Pipelines
from tests.conftest import ON_POSTGRES
from tests.support.loops import run_apart


@ON_POSTGRES
def test_a_statement_run_many_times_is_never_prepared_on_the_server(database_url: str) -> None:
    engine = create_db_engine(database_url)
    try:
        with engine.connect() as connection:
            for n in range(20):  # psycopg would prepare it at its fifth run
                connection.execute(text("SELECT count(*) FROM change WHERE circle_id = :c"), {"c": str(n)})
            prepared = connection.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar_one()
    finally:
        engine.dispose()
    assert prepared == 0


@ON_POSTGRES
def test_a_push_connection_prepares_its_statements_but_plans_each_run_for_its_values(database_url: str) -> None:
    """The push's own connections (``pipelines.py``) prepare a statement once, and PostgreSQL,
    which by itself switches to a generic plan after five runs, plans every run afresh."""

    async def plans() -> tuple[int, int]:
        pipelines = Pipelines(create_db_engine(database_url), size=1)
        await pipelines.open()
        try:
            for n in range(12):
                async with pipelines.transaction(turn="test") as cursor:
                    await cursor.execute(b"SELECT count(*) FROM change WHERE circle_id = %(c)s", {"c": str(n)})
                    await cursor.fetchall()
            async with pipelines.transaction(turn="test") as cursor:
                await cursor.execute(
                    b"SELECT sum(generic_plans) AS generic, sum(custom_plans) AS custom FROM pg_prepared_statements"
                    b" WHERE statement LIKE 'SELECT count(*) FROM change%%'"
                )
                [(generic, custom)] = await cursor.fetchall()
        finally:
            await pipelines.close()
        return generic, custom

    assert run_apart(plans()) == (0, 12)


@pytest.mark.parametrize(
    "bound",
    [bindparam("when", type_=UTCDateTime), bindparam("now", callable_=lambda: 1)],
    ids=["converted on its way", "computed at each execution"],
)
def test_a_value_sqlalchemy_converts_or_computes_is_never_compiled_for_the_driver(bound: object) -> None:
    """A statement compiled once for psycopg's own cursor (``pipelines.py``) is sent without
    SQLAlchemy's conversion of its values: one that needs it is refused when compiled, not stored
    unconverted at every push."""
    with pytest.raises(ValueError, match="cannot be compiled once"):
        driver_statement(select(bound))  # type: ignore[call-overload]


def test_connections_psycopg_makes_itself_keep_every_part_of_the_database_url() -> None:
    """The push's connections, the event listener's and the sign-in check's: libpq reads a URL's
    ``+`` as itself, so options with spaces must come from the decoded URL, and a password with a
    space must not stop the server."""
    url = "postgresql+psycopg://u:pa%20ss@db.internal:5433/sc?options=-c%20statement_timeout%3D5000&sslmode=require"

    parts = conninfo_to_dict(libpq_conninfo(url, connect_timeout=5))

    assert {name: parts[name] for name in ("user", "password", "host", "port", "dbname", "options", "sslmode")} == {
        "user": "u",
        "password": "pa ss",
        "host": "db.internal",
        "port": "5433",
        "dbname": "sc",
        "options": "-c statement_timeout=5000",
        "sslmode": "require",
    }
    assert (parts["connect_timeout"], parts["keepalives"]) == ("5", "1")
