from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from support_circle.errors import ServiceUnavailable
from support_circle.migrate import is_at_head
from support_circle.models import ServerInfo


def get_server_info(session: Session) -> ServerInfo:
    info = session.get(ServerInfo, 1)
    if info is None:
        # Only a database emptied by hand after start lacks the row that the baseline made.
        raise ServiceUnavailable("The server's database is not set up. Its operator can run 'support-circle migrate'.")
    return info


def check_ready(engine: Engine) -> None:
    """Raises ServiceUnavailable unless the database answers and carries the current schema."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        at_head = is_at_head(engine)
    except SQLAlchemyError as exc:
        raise ServiceUnavailable() from exc
    if not at_head:
        raise ServiceUnavailable(
            "The server's database needs an upgrade. Its operator can run 'support-circle migrate'."
        )
