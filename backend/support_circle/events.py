"""Live updates: which circles have news, told to every open event stream of this server.

A service announces an event inside its transaction (``announce``); it reaches the ``EventHub`` of
every server process only once that transaction commits, never if it rolls back:

- SQLite, one server process: the event waits in the session and goes to this process's hub
  after the commit.
- SQLite, several processes on one file (``WORKERS``): triggers write every event into the
  ``live_event`` table in the transaction that makes it (``models/events.py``), and each process
  reads the new rows every ``POLL_SECONDS`` (``SqlitePoller``) and hands them to its hub, in
  commit order — this process's own events take the same path.
- PostgreSQL (any number of processes): ``pg_notify`` in the same transaction; PostgreSQL delivers
  it on commit, in commit order, to the ``LISTEN`` connection each process keeps (``PostgresListener``),
  which hands it to that process's hub — this process's own events take the same path.

Events carry only an opaque circle id and a counter. Each stream hears only its device's circles:
the route reads them as the stream opens (``api/events.py``), and the hub follows every membership
event with one read of that circle's members for all of its streams, never one per stream. Streams
are limited per device, per circle and in all (``StreamLimits``). When events may have been lost
(the listening connection dropped, a poll failed or fell behind the kept rows, a members read
failed, or a stream fell too far behind) the hub
ends the streams concerned; clients reconnect and sync, which is how they catch up anyway.
"""

import asyncio
import contextlib
import json
import logging
import signal
import threading
from collections import deque
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from types import FrameType
from typing import Any, Literal

import psycopg
from sqlalchemy import Engine, Row, String, bindparam, event, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from support_circle.db import libpq_conninfo, reading
from support_circle.errors import AppError, ServiceUnavailable
from support_circle.models import LiveEvent

log = logging.getLogger(__name__)

CHANNEL = "support_circle_events"
MAX_RETRY_SECONDS = 30.0
POLL_SECONDS = 0.2  # SQLite with several processes: how often each reads the new live events
POLL_ROWS = 1000
QUEUE_SIZE = 1000  # a stream this far behind is ended; the client reconnects and syncs
RETRY_AFTER_SECONDS = 30  # when the process has as many streams as it allows
SHUTDOWN_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_PENDING = "support_circle.events.pending"

Kind = Literal["changes", "membership"]


@dataclass(frozen=True)
class Event:
    """``changes``: the circle's change log reached ``seq``; ``membership``: its log reached ``seq``."""

    kind: Kind
    circle_id: str
    seq: int

    def payload(self) -> str:
        return json.dumps({"kind": self.kind, "circle_id": self.circle_id, "seq": self.seq})

    @classmethod
    def from_payload(cls, payload: str) -> "Event":
        data = json.loads(payload)
        if data.get("kind") not in ("changes", "membership"):
            raise ValueError("unknown event kind")
        return cls(kind=data["kind"], circle_id=str(data["circle_id"]), seq=int(data["seq"]))


class TooManyStreams(AppError):
    status_code = 429
    code = "too_many_streams"
    message = "This device has too many live connections open. Close an app window, or wait a minute."


class TooManyCircleStreams(AppError):
    status_code = 429
    code = "too_many_circle_streams"
    message = (
        "One of this device's circles has as many live connections open as the server allows, and this "
        "device already has one of them. Use the app window that is open, or close another; the app "
        "keeps syncing meanwhile."
    )


class TooManyStreamsOnServer(ServiceUnavailable):
    code = "too_many_streams_on_server"
    message = (
        "The server has as many live connections open as it allows. The app keeps syncing and "
        "reconnects by itself; if this lasts, tell the organisation that runs the server."
    )

    def __init__(self) -> None:
        super().__init__()
        self.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)


@dataclass(frozen=True)
class StreamLimits:
    """Open streams a process allows: per device, per circle they hear, and in all."""

    per_device: int
    per_circle: int
    in_all: int


# Reads the device ids of a circle's active members; blocking, so the hub runs it in a thread.
MembersOf = Callable[[str], Collection[str]]


class Subscription:
    """One open stream's queue of the events it may hear, in order. ``None`` in the queue means: end
    the stream, events may be lost. Until ``EventHub.attach`` gives it its circles, the hub keeps
    what it hears aside (``early``), with whether the device was a member for membership events."""

    def __init__(self, device_id: str) -> None:
        self.device_id = device_id
        self.queue: asyncio.Queue[Event | None] = asyncio.Queue(QUEUE_SIZE + 1)
        self.circles: set[str] | None = None
        self.early: list[tuple[Event, bool]] = []

    async def next(self) -> Event | None:
        return await self.queue.get()


class EventHub:
    """This process's fan-out to its open streams, each of which hears only its device's circles.
    ``publish`` may be called from any thread; everything else runs on the event loop the hub was
    made on.

    A ``membership`` event may change who hears a circle: the hub reads the circle's members once,
    in a thread, and hands the answer to every stream concerned. Meanwhile that circle's later
    events wait behind it, so each stream hears a circle's events in order (a removed device hears
    its removal and nothing after; an added one its addition, then the rest); other circles' events
    do not wait.
    """

    def __init__(self, limits: StreamLimits, members_of: MembersOf) -> None:
        self._loop = asyncio.get_running_loop()
        self._limits = limits
        self._members_of = members_of
        self._subscriptions: set[Subscription] = set()
        self._by_device: dict[str, set[Subscription]] = {}
        self._hearing: dict[str, set[Subscription]] = {}  # circle id -> the streams that hear it
        self._opening: set[Subscription] = set()  # subscribed, their circles still being read
        self._held: dict[str, deque[Event]] = {}  # circles whose members are being read: their events wait
        self._readers: set[asyncio.Task[None]] = set()
        self._draining = False

    def subscribe(self, device_id: str) -> Subscription:
        """A new stream for ``device_id``, refused if the device or the process has enough open;
        it hears nothing until ``attach`` gives it the circles read after this call."""
        if self._draining:
            raise ServiceUnavailable("The server is restarting. The app reconnects by itself in a moment.")
        if len(self._by_device.get(device_id, ())) >= self._limits.per_device:
            raise TooManyStreams()
        if len(self._subscriptions) >= self._limits.in_all:
            raise TooManyStreamsOnServer()
        subscription = Subscription(device_id)
        self._subscriptions.add(subscription)
        self._by_device.setdefault(device_id, set()).add(subscription)
        self._opening.add(subscription)
        return subscription

    def attach(self, subscription: Subscription, circles: Iterable[str]) -> None:
        """Starts ``subscription`` hearing ``circles``, then gives it what it heard since it subscribed.

        Refused if one of them already has ``per_circle`` streams and this device already hears it
        on another: so a device's first stream never waits for other members' to close, and a
        member who opens many cannot lock the others out. (The caller then unsubscribes.)
        """
        if subscription not in self._opening:
            return  # ended meanwhile: its queue already says so
        wanted = set(circles)
        if any(self._full_for(subscription.device_id, circle_id) for circle_id in wanted):
            raise TooManyCircleStreams()
        self._opening.discard(subscription)
        subscription.circles = set()
        for circle_id in wanted:
            self._hear(subscription, circle_id)
        early, subscription.early = subscription.early, []
        for item, member in early:
            self._offer(subscription, item, member)

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscriptions.discard(subscription)
        self._opening.discard(subscription)
        mine = self._by_device.get(subscription.device_id)
        if mine is not None:
            mine.discard(subscription)
            if not mine:
                del self._by_device[subscription.device_id]
        for circle_id in list(subscription.circles or ()):
            self._unhear(subscription, circle_id)

    def publish(self, events: Iterable[Event]) -> None:
        """Thread-safe: hands ``events`` to the loop; dropped if the server is shutting down."""
        batch = list(events)
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is listening any more
            self._loop.call_soon_threadsafe(self.deliver, batch)

    def deliver(self, events: Iterable[Event]) -> None:
        for item in events:
            held = self._held.get(item.circle_id)
            if held is not None:
                held.append(item)
            elif item.kind == "changes":
                self._route(item, ())
            elif self._subscriptions:  # with no stream open, nobody needs the members read
                self._held[item.circle_id] = deque([item])
                task = self._loop.create_task(self._settle(item.circle_id), name="event-members")
                self._readers.add(task)
                task.add_done_callback(self._readers.discard)

    def end_all(self) -> None:
        """Ends every stream: events may have been missed, so each client reconnects and syncs."""
        for subscription in list(self._subscriptions):
            self._end(subscription)

    def drain(self) -> None:
        """The server is stopping: ends every stream and opens no more."""
        self._draining = True
        self.end_all()
        for task in list(self._readers):
            task.cancel()

    async def _settle(self, circle_id: str) -> None:
        """Delivers ``circle_id``'s held events in order, reading its members for each membership event."""
        held = self._held[circle_id]
        try:
            while held:
                item = held.popleft()
                if item.kind == "changes":
                    self._route(item, ())
                elif (members := await self._read_members(circle_id)) is not None:
                    self._route(item, members)
        finally:
            del self._held[circle_id]

    async def _read_members(self, circle_id: str) -> Collection[str] | None:
        try:
            return await asyncio.to_thread(self._members_of, circle_id)
        except Exception as exc:
            # Who hears what is unknown now: every stream ends, and its client reconnects and syncs.
            log.warning("could not read a circle's members for live updates (%s)", type(exc).__name__)
            self.end_all()
            return None

    def _route(self, item: Event, members: Collection[str]) -> None:
        """Gives ``item`` to the streams concerned: those that hear its circle, those still opening,
        and for a membership event those of the circle's ``members`` (read once, for all of them)."""
        concerned = set(self._hearing.get(item.circle_id, ())) | self._opening
        for device_id in members:
            concerned |= self._by_device.get(device_id, set())
        for subscription in concerned:
            member = subscription.device_id in members
            if subscription.circles is None:
                self._keep_early(subscription, item, member)
            else:
                self._offer(subscription, item, member)

    def _offer(self, subscription: Subscription, item: Event, member: bool) -> None:
        """Queues ``item`` if the stream may hear it, and follows a membership change."""
        assert subscription.circles is not None
        hears = item.circle_id in subscription.circles
        if item.kind == "membership" and member and not hears:
            self._hear(subscription, item.circle_id)
        elif item.kind == "membership" and not member and hears:
            self._unhear(subscription, item.circle_id)  # it still hears of its own removal
        elif not hears:
            return
        self._put(subscription, item)

    def _keep_early(self, subscription: Subscription, item: Event, member: bool) -> None:
        if len(subscription.early) >= QUEUE_SIZE:
            self._end(subscription)
        else:
            subscription.early.append((item, member))

    def _put(self, subscription: Subscription, item: Event) -> None:
        if subscription.queue.qsize() >= QUEUE_SIZE:
            self._end(subscription)
        else:
            subscription.queue.put_nowait(item)

    def _full_for(self, device_id: str, circle_id: str) -> bool:
        if len(self._hearing.get(circle_id, ())) < self._limits.per_circle:
            return False
        return any(circle_id in (s.circles or ()) for s in self._by_device.get(device_id, ()))

    def _hear(self, subscription: Subscription, circle_id: str) -> None:
        assert subscription.circles is not None
        subscription.circles.add(circle_id)
        self._hearing.setdefault(circle_id, set()).add(subscription)

    def _unhear(self, subscription: Subscription, circle_id: str) -> None:
        assert subscription.circles is not None
        subscription.circles.discard(circle_id)
        hearing = self._hearing.get(circle_id)
        if hearing is not None:
            hearing.discard(subscription)
            if not hearing:
                del self._hearing[circle_id]

    def _end(self, subscription: Subscription) -> None:
        if subscription in self._subscriptions:
            self.unsubscribe(subscription)
            subscription.queue.put_nowait(None)


# SQLite: the hub of the process that owns each engine, for events published after commit.
_local_hubs: dict[int, EventHub] = {}


def announce(session: Session, item: Event) -> None:
    """Tells open streams about ``item`` when ``session``'s transaction commits (never if it rolls back)."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.connection().execute(select(NOTIFY), {"event_payload": item.payload()})
    else:
        session.info.setdefault(_PENDING, []).append(item)


# On PostgreSQL, what a statement of the transaction selects (or returns) to announce an event on
# commit, its ``Event.payload()`` bound as ``event_payload``: a service that writes through a
# connection, not a session, folds it into one of its statements and saves a round trip. On SQLite
# it calls ``publish_committed`` after its commit. Built once, as every hot statement is.
NOTIFY = func.pg_notify(CHANNEL, bindparam("event_payload", type_=String))


def publish_committed(engine: Engine, items: list[Event]) -> None:
    """SQLite: hands events whose transaction committed to this process's hub."""
    hub = _local_hubs.get(id(engine)) if items else None
    if hub is not None:
        hub.publish(items)


@event.listens_for(Session, "after_commit")
def _publish_pending(session: Session) -> None:
    publish_committed(session.get_bind(), session.info.pop(_PENDING, []))  # type: ignore[arg-type]


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


class PostgresListener:
    """Keeps one ``LISTEN`` connection open and feeds what it hears to the hub, reconnecting if it drops."""

    def __init__(self, hub: EventHub, sqlalchemy_url: str, retry_seconds: float = 1.0) -> None:
        self._hub = hub
        self._conninfo = libpq_conninfo(sqlalchemy_url)
        self._retry = retry_seconds
        self.listening = asyncio.Event()

    async def run(self) -> None:
        delay = self._retry
        while True:
            try:
                await self._listen()
            except (psycopg.Error, OSError) as exc:
                # The error's type only: its text may hold the connection string.
                log.warning("event listener lost its database connection (%s); reconnecting", type(exc).__name__)
            except Exception as exc:  # never let live updates stop for good
                log.error("event listener failed (%s); restarting it", type(exc).__name__)
            # Retry soon after a drop, then back off while the database stays away.
            delay = self._retry if self.listening.is_set() else min(delay * 2, MAX_RETRY_SECONDS)
            self.listening.clear()
            # Notifications sent while nobody listened are gone: streams end so their clients sync.
            self._hub.end_all()
            await asyncio.sleep(delay)

    async def _listen(self) -> None:
        connection = await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True)
        async with connection:
            await connection.execute(f"LISTEN {CHANNEL}")
            self.listening.set()
            async for notify in connection.notifies():
                self._hear(notify.payload)

    def _hear(self, payload: str) -> None:
        try:
            item = Event.from_payload(payload)
        except (ValueError, KeyError, TypeError):
            log.warning("ignored a malformed event notification")
            return
        self._hub.deliver([item])


class SqlitePoller:
    """Several processes on one SQLite file: feeds the hub the events every process's commits
    left in ``live_event``, reading the rows after the last it saw every ``POLL_SECONDS``.

    Rows are numbered in commit order without gaps, and only the newest ``LIVE_EVENTS_KEPT`` are
    kept: a first row past the next number means some were deleted unread (the process stalled),
    and a poll that fails may have missed some: either way the hub ends its streams, whose clients
    sync, as when the PostgreSQL listener reconnects."""

    def __init__(self, hub: EventHub, engine: Engine, interval: float = POLL_SECONDS) -> None:
        self._hub = hub
        self._engine = engine
        self._interval = interval
        self._last: int | None = None
        self.listening = asyncio.Event()

    async def run(self) -> None:
        while True:
            try:
                rows = await asyncio.to_thread(self._read)
            except SQLAlchemyError as exc:
                log.warning("could not read live events (%s); ending streams", type(exc).__name__)
                self._last = None
                self._hub.end_all()
            else:
                self._deliver(rows)
            await asyncio.sleep(self._interval)

    def _read(self) -> list[Row[Any]]:
        """In a worker thread: the rows after the last one seen. The first read only notes where
        the log stands: nothing before it concerns a stream, which opens after."""
        with reading(self._engine) as connection:
            if self._last is None:
                self._last = connection.execute(_NEWEST).scalar_one()
                return []
            rows: list[Row[Any]] = []
            while True:
                after = self._last if not rows else rows[-1].id
                more = connection.execute(_AFTER, {"last": after, "rows": POLL_ROWS}).all()
                rows += more
                if len(more) < POLL_ROWS:
                    return rows

    def _deliver(self, rows: list[Row[Any]]) -> None:
        self.listening.set()
        if not rows:
            return
        assert self._last is not None
        if rows[0].id != self._last + 1:
            log.warning("live events were deleted before this process read them; ending streams")
            self._hub.end_all()
        self._last = rows[-1].id
        self._hub.deliver([Event(row.kind, row.circle_id, row.seq) for row in rows])


_live = LiveEvent.__table__  # type: ignore[attr-defined]
_AFTER = (
    select(_live.c.id, _live.c.kind, _live.c.circle_id, _live.c.seq)
    .where(_live.c.id > bindparam("last"))
    .order_by(_live.c.id)
    .limit(bindparam("rows"))
)
_NEWEST = select(func.coalesce(func.max(_live.c.id), 0))


class EventService:
    """What the app's lifespan starts and stops: the hub and, on PostgreSQL or on SQLite with
    several ``processes``, what feeds it the events of every process."""

    def __init__(
        self, engine: Engine, sqlalchemy_url: str, limits: StreamLimits, members_of: MembersOf, processes: int = 1
    ) -> None:
        self.hub = EventHub(limits, members_of)
        self.engine = engine
        self._listener: PostgresListener | SqlitePoller | None = None
        if engine.dialect.name == "postgresql":
            self._listener = PostgresListener(self.hub, sqlalchemy_url)
        elif processes > 1:
            self._listener = SqlitePoller(self.hub, engine)
        self._task: asyncio.Task[Any] | None = None
        self._signal_handlers: dict[int, Callable[[int, FrameType | None], Any]] = {}

    async def start(self, ready_within: float = 10.0) -> None:
        self._drain_on_shutdown_signals()
        if self._listener is None:
            _local_hubs[id(self.engine)] = self.hub
            return
        self._task = asyncio.create_task(self._listener.run(), name="event-listener")
        # Ready only once listening, so an event committed after start-up is never missed; if the
        # database is slow to answer, the listener keeps trying in the background.
        try:
            await asyncio.wait_for(self._listener.listening.wait(), ready_within)
        except TimeoutError:
            log.warning("event listener is not listening yet; live updates start when it is")

    def _drain_on_shutdown_signals(self) -> None:
        """Uvicorn lets open responses finish before it stops, and a stream never finishes by
        itself: on SIGINT or SIGTERM, end every stream first, then run the server's own handler."""
        if threading.current_thread() is not threading.main_thread():
            return  # signal handlers belong to the main thread (an in-process test client is not)
        loop = asyncio.get_running_loop()
        for sig in SHUTDOWN_SIGNALS:
            previous = signal.getsignal(sig)
            if not callable(previous):
                continue

            def handler(signum: int, frame: FrameType | None, previous: Callable[..., Any] = previous) -> None:
                loop.call_soon_threadsafe(self.hub.drain)
                previous(signum, frame)

            signal.signal(sig, handler)
            self._signal_handlers[sig] = previous

    async def stop(self) -> None:
        for sig, previous in self._signal_handlers.items():
            signal.signal(sig, previous)
        _local_hubs.pop(id(self.engine), None)
        self.hub.drain()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
