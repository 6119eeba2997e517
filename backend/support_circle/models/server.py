from datetime import datetime

from sqlmodel import Field, SQLModel

from support_circle.models.columns import when


class ServerInfo(SQLModel, table=True):
    """The one row that names this server's database.

    ``server_id`` is random and made once, by the baseline migration. Clients remember it, so a
    server whose database was replaced or restored from an old backup is noticed, not trusted.
    """

    __tablename__ = "server_info"

    id: int = Field(default=1, primary_key=True)
    server_id: str = Field(max_length=64)
    created_at: datetime = when()
