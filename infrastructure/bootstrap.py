"""Composition of the write and read sides on one datastore (STYLE: share one datastore)."""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import cast

from alembic import command
from alembic.config import Config
from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore
from eventsourcing_sqlalchemy.factory import SQLAlchemyFactory
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine, make_url

from application.clock import UtcClock
from application.evidence import (
    EvidenceDirectoryMismatchError,
    SweepReport,
    sweep_unreferenced,
)
from application.notifications import MailSender
from application.ports import Clock, HistoryChain, ReminderObserver
from application.reminders import Recipients, ReminderJob, ReminderPolicy
from application.services import Followup, build_services
from application.tracker import AuditTracker
from domain.errors import DomainError
from infrastructure.accounts import SqlAccountStore
from infrastructure.calendar import KoreanBusinessCalendar
from infrastructure.councils import SqlCouncilStore
from infrastructure.evidence import EvidenceStore
from infrastructure.exports.render import ExportRenderers
from infrastructure.exports.template import TemplateWriter
from infrastructure.idempotency import IdempotencyStore
from infrastructure.mail import SmtpMailSender
from infrastructure.outbox import SqlOutbox
from infrastructure.parsers import parse_document
from infrastructure.persistence import FollowupApplicationRecorder
from infrastructure.readmodel.projector import Projector
from infrastructure.readmodel.queries import SqlReadModel
from infrastructure.readmodel.rebuild import ShadowRebuild
from infrastructure.readmodel.replica import ReadReplica
from infrastructure.readmodel.runner import ProjectorRunner
from infrastructure.readmodel.views import BatchView, all_views
from infrastructure.scheduler import FollowupScheduler, ScheduledJob, lock_for
from infrastructure.settings import Settings, ensure_sqlite_directory

_log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"
# Arbitrary but fixed: the advisory lock that serialises schema set-up on PostgreSQL.
_SCHEMA_LOCK_KEY = 0x5F0110


def _database_id(url: str) -> str:
    """A database's URL without its password: names it, reveals nothing."""
    return make_url(url).set(password=None).render_as_string(hide_password=False)


@dataclass
class Runtime:
    """Everything a process needs: the use cases, the event store, its views and
    their projector, on one datastore."""

    settings: Settings
    tracker: AuditTracker  # the event store
    datastore: SQLAlchemyDatastore
    read_model: SqlReadModel
    projector: Projector
    views: list[BatchView]
    services: Followup
    accounts: SqlAccountStore
    idempotency: IdempotencyStore

    def sweep_evidence(self, *, dry_run: bool = False) -> SweepReport:
        """Remove evidence files no event references (refused or abandoned uploads)."""
        store = self.services.findings.evidence
        assert isinstance(store, EvidenceStore)  # what open_runtime wires
        # Never sweep one database's files against another's events.
        if not store.claim(_database_id(self.settings.database_url)):
            raise EvidenceDirectoryMismatchError(str(store.root))
        # Files' ages are the file system's: measured against the wall clock.
        return sweep_unreferenced(store, self.tracker, datetime.now(tz=UTC), dry_run=dry_run)

    def reminder_job(
        self, sender: MailSender | None = None, observer: ReminderObserver | None = None
    ) -> ReminderJob:
        """The daily job, wired to this runtime's database, calendar and mail settings;
        ``observer`` is told what it raised and delivered (the server's metrics)."""
        s = self.settings
        if sender is None and s.smtp_host:
            sender = SmtpMailSender(s.smtp())
        directory = self.services.queries.departments
        councils = self.services.councils
        warned: set[str] = set()

        def warn(message: str, name: str) -> None:
            if name not in warned:
                _log.warning(message, name)
                warned.add(name)

        def council_named(code_or_name: str) -> str | None:
            try:
                return councils.named(code_or_name).name
            except DomainError:
                warn("FOLLOWUP_*_EMAILS: no council is named %s", code_or_name)
                return None

        def recipients_on(day: date) -> Recipients:
            # Department names (or ids) resolved at each run, as of its day: one
            # registered or merged since the start is mailed too. A "council/name"
            # key names the department among that council's.
            by_council: dict[str | None, dict[str, list[str]]] = {}
            for key, to in s.department_emails.items():
                prefix, slash, rest = key.partition("/")
                council = council_named(prefix) if slash and rest else None
                if slash and rest and council is None:
                    continue
                by_council.setdefault(council, {})[rest if council else key] = to.split(",")
            by_department: dict[str, tuple[str, ...]] = {}
            for council, addresses in by_council.items():
                found, unknown = replace(directory, council=council).mail_recipients(addresses, day)
                by_department.update(found)
                for unknown_name in unknown:
                    warn("FOLLOWUP_DEPARTMENT_EMAILS: no department is named %s", unknown_name)
            staff_of = {
                named: tuple(a.strip() for a in to.split(",") if a.strip())
                for key, to in s.council_staff_emails.items()
                if (named := council_named(key)) is not None
            }
            return Recipients(
                departments=by_department if sender else {},
                staff=tuple(s.staff_emails) if sender else (),
                council_staff=staff_of if sender else {},
            )

        return ReminderJob(
            self.services.writer,
            self.read_model,
            SqlOutbox(self.datastore),
            self.services.queries.reminders,
            sender=sender,
            recipients=recipients_on(self.services.clock.today()),
            app_url=s.app_url,
            recipients_on=recipients_on,
            observer=observer,
        )

    def scheduler(
        self, sender: MailSender | None = None, observer: ReminderObserver | None = None
    ) -> FollowupScheduler:
        """The daily reminders (and at start) and outbox retries; one active per database."""
        job = self.reminder_job(sender, observer)
        hour, minute = self.settings.reminder_time.split(":")
        return FollowupScheduler(
            [
                ScheduledJob(
                    id="daily-reminders", func=job.run, cron=f"{int(minute)} {int(hour)} * * *"
                ),
                ScheduledJob(
                    id="outbox-delivery",
                    func=job.deliver,
                    every_seconds=self.settings.outbox_interval,
                ),
            ],
            lock_for(self.settings.database_url),
        )

    def rebuild_views(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Rebuild every view beside the live ones and swap them in (readers and
        commands go on meanwhile); in one transaction for an in-memory database."""
        shadow = ShadowRebuild(self.projector)
        if shadow.possible:
            return shadow.run(progress)
        return self.projector.rebuild(progress)

    def projector_running(self) -> bool:
        """Does a projector (a server's or `followup project`) follow this database?"""
        lock = lock_for(self.settings.database_url, "projector")
        if lock.try_acquire():
            lock.release()
            return False
        return True

    def projector_runner(self) -> ProjectorRunner:
        """The background projector; of all processes on one database, one leads."""
        return ProjectorRunner(
            self.projector,
            lock_for(self.settings.database_url, "projector"),
            self.settings.projection_interval,
        )

    @property
    def engine(self) -> Engine:
        return _engine(self.datastore)

    @property
    def history(self) -> HistoryChain:
        """The event history's hash chain: its head, and `followup verify`."""
        return cast(FollowupApplicationRecorder, self.tracker.recorder).history()

    def close(self) -> None:
        self.tracker.close()
        self.engine.dispose()
        if self.read_model.reads.replica is not None:
            self.read_model.reads.replica.dispose()


def _engine(datastore: SQLAlchemyDatastore) -> Engine:
    engine = datastore.engine
    # Built from a URL by the datastore (never handed a connection): an Engine.
    assert isinstance(engine, Engine)
    return engine


@contextmanager
def _schema_lock(url: str) -> Iterator[None]:
    """Several processes may start on a fresh database at once: one sets it up."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            yield
            return
        lock_path = Path(f"{parsed.database}.schema-lock")
        with lock_path.open("w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _SCHEMA_LOCK_KEY})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _SCHEMA_LOCK_KEY})
                conn.commit()
    finally:
        engine.dispose()


def _alembic_config(connection: Connection) -> Config:
    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def migrate(connection: Connection) -> None:
    """Bring our read-model tables to the newest Alembic revision."""
    command.upgrade(_alembic_config(connection), "head")


def open_runtime(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    catch_up: bool = False,
) -> Runtime:
    settings = settings or Settings()
    ensure_sqlite_directory(settings.database_url)
    with _schema_lock(settings.database_url):
        tracker = AuditTracker(env=settings.eventsourcing_env())
        # The settings choose eventsourcing_sqlalchemy: its factory holds the datastore.
        datastore = cast(SQLAlchemyFactory, tracker.factory).datastore
        with _engine(datastore).begin() as connection:
            migrate(connection)
        views = all_views(datastore)
        for view in views:
            view.create_table()  # the tracking table; ours exist already (checkfirst)
    clock = clock or UtcClock()
    projector = Projector(tracker, views, batch_size=settings.projection_batch_size)
    replica = (
        ReadReplica(settings.read_database_url, datastore, views, max_lag=settings.read_max_lag)
        if settings.read_database_url
        else None
    )
    read_model = SqlReadModel(datastore, replica)
    evidence = EvidenceStore(Path(settings.evidence_dir), _database_id(settings.database_url))
    runtime = Runtime(
        settings=settings,
        tracker=tracker,
        datastore=datastore,
        read_model=read_model,
        projector=projector,
        views=views,
        services=build_services(
            tracker,
            projections=projector,
            read_model=read_model,
            clock=clock,
            calendar=KoreanBusinessCalendar(),
            evidence=evidence,
            staging=EvidenceStore(evidence.root / "imports"),
            parse=parse_document,
            policy=ReminderPolicy(
                due_soon_days=settings.due_soon_days, claim_wait_days=settings.claim_wait_days
            ),
            history=cast(FollowupApplicationRecorder, tracker.recorder).history(),
            export_renderer=ExportRenderers(),
            template_writer=TemplateWriter(),
            councils=SqlCouncilStore(datastore, clock=clock),
        ),
        accounts=SqlAccountStore(datastore, clock=clock, departments=read_model),
        idempotency=IdempotencyStore(datastore),
    )
    # Lagging views (a view added after the events, a big import) are the
    # projector's work: a process starts at once and reads the views as they are.
    if catch_up and projector.is_behind():
        projector.run_pending()
    return runtime
