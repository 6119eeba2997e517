"""The one place that reads the environment.

Every setting is an environment variable of the same name in upper case (``HOST``, ``PORT``,
``DATA_DIR``, ``DATABASE_URL``, ...). Nothing else in the package reads ``os.environ``.
"""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# In a source checkout the built PWA sits in frontend/dist beside backend/; a deployment that
# installs the package elsewhere sets STATIC_DIR instead.
_CHECKOUT_STATIC_DIR = Path(__file__).resolve().parents[2] / "frontend" / "dist"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    host: str = Field("127.0.0.1", description="Address the server listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port the server listens on.")
    data_dir: Path = Field(Path("data"), description="Folder for the SQLite database.")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; unset means SQLite in DATA_DIR. postgresql://... works."
    )
    workers: int = Field(
        1,
        ge=1,
        le=64,
        description="Server processes 'support-circle serve' starts, on PostgreSQL or one SQLite file; about one "
        "per core (docs/self-hosting.md, 'Processes').",
    )
    push_connections: int = Field(
        3,
        ge=1,
        le=100,
        description="PostgreSQL: connections each server process keeps open for pushes, beside its pool for the rest "
        "(docs/self-hosting.md, 'Processes').",
    )
    static_dir: Path = Field(_CHECKOUT_STATIC_DIR, description="The built PWA to serve at /.")
    migrate_on_start: bool = Field(True, description="Apply database migrations at start.")
    log_level: str = Field("info", description="Python logging level name.")
    log_client_addresses: bool = Field(
        False, description="Turn on the access log, which records client addresses and paths (they hold ids)."
    )
    metrics_enabled: bool = Field(True, description="Serve Prometheus metrics (counts only, no ids) at /metrics.")
    prometheus_multiproc_dir: Path | None = Field(
        None,
        description="Set by 'support-circle serve' for its workers, a fresh folder where they keep their metrics "
        "for any of them to sum; leave it unset.",
    )

    registration: Literal["open", "code"] = Field(
        "code",
        description="'code' (the default): a device needs a registration code ('support-circle codes create'); "
        "'open': any device may register, as 'make run' sets for one person on a laptop.",
    )
    token_ttl_seconds: int = Field(3600, ge=60, description="How long a bearer token lasts.")
    challenge_ttl_seconds: int = Field(120, ge=10, description="How long a login challenge lasts.")
    max_body_bytes: int = Field(4 * 1024 * 1024, ge=1024, description="Largest request body accepted.")
    max_record_bytes: int = Field(65536 + 16, ge=256, description="Largest record ciphertext (padded, with tag).")
    max_batch: int = Field(100, ge=1, description="Most changes in one push.")
    device_quota_bytes: int = Field(
        100 * 1024 * 1024,
        ge=0,
        description="Bytes one device may store: record ciphertext, invites, membership entries and key envelopes.",
    )
    max_page_bytes: int = Field(
        4 * 1024 * 1024, ge=65536 + 16, description="Ciphertext in one page of pulled changes (at least one record)."
    )
    token_cache_seconds: int = Field(
        60,
        ge=0,
        description="How long a process remembers a checked sign-in (0: read the database for every request). "
        "Revoking a token empties every process's memory of sign-ins, so this only bounds how stale it may be.",
    )
    token_cache_entries: int = Field(100_000, ge=1, description="Most sign-ins one process remembers.")
    max_tokens_per_device: int = Field(
        5, ge=1, description="Valid sign-ins one device holds; a new one beyond it ends the oldest."
    )
    max_challenges_per_device: int = Field(
        3, ge=1, description="Unanswered sign-in challenges kept per device; a new one drops the oldest."
    )
    max_open_invites_per_circle: int = Field(
        20, ge=1, description="Usable invites one circle may have at once (their bytes also count in the quota)."
    )
    max_log_entries_per_hour: int = Field(
        100,
        ge=1,
        description="Membership log entries one circle may take in any hour (adding, removing, leaving, "
        "rotating); past it the server answers 429 until the hour's oldest entry is an hour old.",
    )
    rate_limit_per_minute: int = Field(600, ge=1, description="Requests per minute per device (per process).")
    anonymous_rate_per_minute: int = Field(
        60,
        ge=1,
        description="Requests per minute without a valid sign-in (registering, signing in, recovery lookups), "
        "per client network (per process). Addresses are kept only as a hash under a salt made anew each day.",
    )
    registrations_per_minute: int = Field(
        30, ge=1, description="New devices per minute on the whole server (per process)."
    )
    rate_limit_keys: int = Field(
        100_000, ge=100, description="Most devices and client networks the rate limits follow at once, per process."
    )
    trust_proxy_headers: bool = Field(
        False,
        description="Behind a proxy you run (docker-compose.yml's Caddy): trust its X-Forwarded-For and "
        "X-Forwarded-Proto. Never turn on when clients reach the server directly.",
    )
    events_keepalive_seconds: int = Field(
        15, ge=1, le=300, description="Seconds between keepalive comments on an idle event stream."
    )
    events_max_streams: int = Field(5, ge=1, description="Open event streams per device (per process).")
    events_max_streams_per_circle: int = Field(
        20,
        ge=1,
        description="Open event streams that hear one circle (per process); a device's first stream for a "
        "circle is let in even when it is full, so other members' streams never lock it out.",
    )
    events_max_streams_total: int = Field(
        1000, ge=1, description="Open event streams in all (per process); keep it below the open-file limit."
    )
    safety_line: str = Field(
        "If you are in danger now, call your local emergency number.",
        min_length=1,
        max_length=240,
        description="The one line the app shows on its lock and first screens: the emergency number and a support "
        "line where this organisation works (plain text), e.g. 'In danger now? Call 111. Support line: 0800 …'.",
    )
    quick_exit_url: str = Field(
        "https://www.bbc.com/weather",
        description="Where Leave now goes while online, unless the person chose their own: an ordinary everyday "
        "site, as GOV.UK leaves to a weather page. Empty leaves to the app's built-in neutral page.",
    )

    disguise: Literal["plain", "notes", "recipes", "budget"] = Field(
        "plain",
        description="How the app appears on a new device until the person chooses (name, tab title, icon, the "
        "manifest a phone installs): the plain name, or a neutral everyday app. Each person can change it.",
    )

    facilitator_contact: str = Field(
        "",
        max_length=500,
        description="How someone asked to facilitate can reach this organisation (a name, a phone number, an "
        "email; plain text), shown on the explainer page at /about/facilitating. Empty shows none.",
    )

    @field_validator("quick_exit_url")
    @classmethod
    def _an_address_to_leave_to(cls, value: str) -> str:
        # The app leaves with location.replace(): anything but an absolute web address would fail
        # at the one moment it must not.
        if value != "" and not value.startswith(("https://", "http://")):
            raise ValueError("QUICK_EXIT_URL is an http(s) address, or empty for the app's neutral page")
        return value

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL with the driver named, so operators may paste a plain postgresql:// URL."""
        if not self.database_url:
            return f"sqlite:///{self.data_dir / 'support-circle.sqlite3'}"
        url = self.database_url
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url


@lru_cache
def get_settings() -> Settings:
    return Settings()
