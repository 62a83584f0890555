"""The database: users, clients, interventions, form versions, submissions, audit.

Every datetime is timezone-aware and stored in UTC (:class:`UTCDateTime`); pages show
them on the company's clock (:mod:`engine.clock`). Event types and workflow statuses are
*not* tables: they come from ``form_definitions/`` (the catalog, see
:mod:`webapp.registry`) and interventions keep
their string keys. The files are the account manager's single source of truth; a copy in
the database could only drift from them. Form definitions are different: submissions must
keep pointing at the exact content they were filled with, so each distinct content is
stored once, immutable, as a :class:`FormVersion`.
"""

from __future__ import annotations

import uuid as uuid_mod
from datetime import date, datetime, timezone

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.dialects import postgresql
from sqlalchemy import orm
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine import clock

from .extensions import db

ROLES = ("manager", "office", "technician")

#: The longest an intervention may last. The agenda's range query relies on it: an
#: intervention overlapping a week started at most this long before the week.
MAX_INTERVENTION_DAYS = 31


def utcnow() -> datetime:
    """This instant, in UTC, from the company's clock (:func:`engine.clock.now`): one "now"
    for the whole app."""
    return clock.now().astimezone(timezone.utc)


def new_uuid() -> str:
    return str(uuid_mod.uuid4())


class UTCDateTime(sa.types.TypeDecorator):
    """An aware datetime in, an aware UTC datetime out, whatever the database."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: give a timezone-aware datetime")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(120))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    role: Mapped[str] = mapped_column(sa.String(16))
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Carried by every login of this user (:mod:`webapp.auth`); raised to end them all.
    session_generation: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")

    __table_args__ = (sa.CheckConstraint("role IN ('manager', 'office', 'technician')", name="role"),)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses disabled accounts
        return bool(self.active)

    def get_id(self) -> str:
        """``<id>.<session generation>``: what Flask-Login keeps in the session and in the
        "remember me" cookie, so that raising the generation ends both (:mod:`webapp.auth`)."""
        return f"{self.id}.{self.session_generation or 0}"

    def login_token(self) -> str:
        """What a login made now carries: :meth:`get_id` and the instant it was issued
        (epoch seconds on the company's clock), so that a copied cookie expires on the
        server too (``REMEMBER_COOKIE_DURATION``), not only in the browser."""
        return f"{self.get_id()}.{int(clock.now().timestamp())}"

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class Client(db.Model):
    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(160), index=True)
    address: Mapped[str | None] = mapped_column(sa.String(250))
    postcode: Mapped[str | None] = mapped_column(sa.String(10))
    city: Mapped[str | None] = mapped_column(sa.String(120))
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    lat: Mapped[float | None] = mapped_column(sa.Float)
    lon: Mapped[float | None] = mapped_column(sa.Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def has_coordinates(self) -> bool:
        return self.lat is not None and self.lon is not None


class Store(db.Model):
    """A store or agency ("magasin") an intervention can be attached to."""

    __tablename__ = "stores"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)


class Tag(db.Model):
    """A free label ("étiquette") on interventions."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(40), unique=True)


intervention_technicians = sa.Table(
    "intervention_technicians",
    db.metadata,
    sa.Column("intervention_id", sa.ForeignKey("interventions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id"), primary_key=True),
    # The planning reads "this technician's interventions": the reverse index.
    sa.Index("ix_intervention_technicians_user_id_intervention_id", "user_id", "intervention_id"),
)

intervention_tags = sa.Table(
    "intervention_tags",
    db.metadata,
    sa.Column("intervention_id", sa.ForeignKey("interventions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("tag_id", sa.ForeignKey("tags.id"), primary_key=True),
    sa.Index("ix_intervention_tags_tag_id_intervention_id", "tag_id", "intervention_id"),
)


class Equipment(db.Model):
    """A piece of equipment installed at a client's (issue 15): a boiler, a pellet stove...

    ``kind`` and ``fuel`` are keys of ``form_definitions/equipment.json``, which also
    declares the free ``fields`` (validated against its schema) and each kind's maintenance
    interval. ``next_maintenance_on`` is set by answers (an event type's
    ``equipment_updates``), when the technician writes down the next visit's date. Changes
    are audited in :class:`AuditLog` (entity ``equipment``), with the intervention whose
    answers made them. Equipment replaced or removed keeps its history: ``retired_on``.
    """

    __tablename__ = "equipment"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    brand: Mapped[str | None] = mapped_column(sa.String(80))
    model: Mapped[str | None] = mapped_column(sa.String(120))
    serial_number: Mapped[str | None] = mapped_column(sa.String(80))
    installed_on: Mapped[date | None] = mapped_column(sa.Date)
    warranty_until: Mapped[date | None] = mapped_column(sa.Date)
    fuel: Mapped[str | None] = mapped_column(sa.String(32))
    notes: Mapped[str | None] = mapped_column(sa.Text)
    fields: Mapped[dict] = mapped_column(JSONType, default=dict)
    next_maintenance_on: Mapped[date | None] = mapped_column(sa.Date)
    retired_on: Mapped[date | None] = mapped_column(sa.Date)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    client: Mapped[Client] = relationship(lazy="raise_on_sql")

    __mapper_args__ = {"version_id_col": version}


class Intervention(db.Model):
    __tablename__ = "interventions"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Made by whoever creates it (the create form, or a device): a second post of the
    #: same creation finds the first instead of making a twin.
    uuid: Mapped[str] = mapped_column(sa.String(36), unique=True, default=new_uuid)
    event_type_id: Mapped[str] = mapped_column(sa.String(64))
    title: Mapped[str] = mapped_column(sa.String(200))
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"))
    store_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stores.id"))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(sa.String(32))
    notes: Mapped[str | None] = mapped_column(sa.Text)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: The piece of the client's equipment this intervention is about, if any (issue 15).
    equipment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("equipment.id", ondelete="SET NULL"), index=True)

    client: Mapped[Client] = relationship(lazy="raise_on_sql")
    equipment: Mapped[Equipment | None] = relationship(lazy="raise_on_sql")
    store: Mapped[Store | None] = relationship(lazy="raise_on_sql")
    technicians: Mapped[list[User]] = relationship(secondary=intervention_technicians, order_by=User.display_name, lazy="raise_on_sql")
    tags: Mapped[list[Tag]] = relationship(secondary=intervention_tags, order_by=Tag.name, lazy="raise_on_sql")
    submissions: Mapped[list["Submission"]] = relationship(back_populates="intervention", order_by="Submission.form_id", lazy="raise_on_sql")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint("end_at > start_at", name="end_after_start"),
        sa.Index("ix_interventions_start_at", "start_at"),
        sa.Index("ix_interventions_client_id_start_at", "client_id", "start_at"),
    )

    @property
    def duration_minutes(self) -> int:
        return clock.minutes_between(self.start_at, self.end_at)


class FormVersion(db.Model):
    """One distinct content of a form definition; never changed once written."""

    __tablename__ = "form_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    version: Mapped[int] = mapped_column(sa.Integer)
    content_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    definition: Mapped[dict] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Submission(db.Model):
    """The answers to one form of one intervention, with the version they were filled with."""

    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    intervention_id: Mapped[int] = mapped_column(sa.ForeignKey("interventions.id", ondelete="CASCADE"))
    form_id: Mapped[str] = mapped_column(sa.String(64))
    form_version_id: Mapped[int] = mapped_column(sa.ForeignKey("form_versions.id"))
    data: Mapped[dict] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(sa.Integer, default=1)

    intervention: Mapped[Intervention] = relationship(back_populates="submissions", lazy="raise_on_sql")
    form_version: Mapped[FormVersion] = relationship(lazy="raise_on_sql")
    updated_by: Mapped[User | None] = relationship(lazy="raise_on_sql")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (sa.UniqueConstraint("intervention_id", "form_id"),)


class Attachment(db.Model):
    """A photo or signature image; answers hold its UUID (made on the device)."""

    __tablename__ = "attachments"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int] = mapped_column(sa.Integer)
    intervention_id: Mapped[int] = mapped_column(sa.ForeignKey("interventions.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class AuditLog(db.Model):
    """Who changed what, when, from what to what. The status history reads it."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    entity: Mapped[str] = mapped_column(sa.String(32))
    entity_id: Mapped[str] = mapped_column(sa.String(64))
    action: Mapped[str] = mapped_column(sa.String(32))
    from_value: Mapped[str | None] = mapped_column(sa.String(200))
    to_value: Mapped[str | None] = mapped_column(sa.String(200))
    details: Mapped[dict | None] = mapped_column(JSONType)

    user: Mapped[User | None] = relationship(lazy="raise_on_sql")

    __table_args__ = (sa.Index("ix_audit_log_entity_entity_id", "entity", "entity_id"),)


# --- Statuses, rights, time and report delivery (issue 6; migration 0002_workflow) ----------


class InterventionWork(db.Model):
    """What happens on site and after (issue 6), one row per intervention made on first
    need: when Start was first pressed, when it was done, the actual and travel durations
    (H1, H2), and who closed it, when and why (S3: ``closed_at`` set is the lock; read it
    as ``Intervention.closed``)."""

    __tablename__ = "intervention_work"

    intervention_id: Mapped[int] = mapped_column(sa.ForeignKey("interventions.id", ondelete="CASCADE"), primary_key=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    actual_minutes: Mapped[int | None] = mapped_column(sa.Integer)
    travel_minutes: Mapped[int | None] = mapped_column(sa.Integer)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    closed_reason: Mapped[str | None] = mapped_column(sa.String(500))

    closed_by: Mapped[User | None] = relationship(lazy="raise_on_sql")


#: Closed by the office (S3): the intervention's work row has a ``closed_at``. Loaded with
#: the intervention (a correlated EXISTS, no extra query) and usable in queries (the
#: agenda's); read-only: close and reopen set ``InterventionWork.closed_at``.
Intervention.closed = orm.column_property(
    sa.exists().where(InterventionWork.intervention_id == Intervention.id, InterventionWork.closed_at.is_not(None))
)


class TimeSegment(db.Model):
    """One run of the timer (automatic time tracking, H1): Start or Resume to Pause or Finish."""

    __tablename__ = "time_segments"

    id: Mapped[int] = mapped_column(primary_key=True)
    intervention_id: Mapped[int] = mapped_column(sa.ForeignKey("interventions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(sa.String(16), default="web")

    user: Mapped[User | None] = relationship(lazy="raise_on_sql")

    @property
    def minutes(self) -> int | None:
        if self.ended_at is None:
            return None
        return int(round((self.ended_at - self.started_at).total_seconds() / 60))


class SignatureRecord(db.Model):
    """A signature and the digest of the answers it signed (engine.facts.answers_digest):
    when the answers change afterwards, the digest no longer matches and the signature is
    shown as no longer valid."""

    __tablename__ = "signature_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    intervention_id: Mapped[int] = mapped_column(sa.ForeignKey("interventions.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("submissions.id", ondelete="CASCADE"))
    form_id: Mapped[str] = mapped_column(sa.String(64))
    pointer: Mapped[str] = mapped_column(sa.String(200))
    signer: Mapped[str] = mapped_column(sa.String(16))
    signer_name: Mapped[str | None] = mapped_column(sa.String(160))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attachment_id: Mapped[str | None] = mapped_column(sa.String(36))
    answers_digest: Mapped[str] = mapped_column(sa.String(64))
    form_content_hash: Mapped[str] = mapped_column(sa.String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    __table_args__ = (sa.UniqueConstraint("submission_id", "pointer"),)


class ReportSending(db.Model):
    """One sending of the report PDF by e-mail (R3): to whom, when, how it went.

    ``status``: pending (not sendable yet: no mail configuration), queued, sending,
    retrying (an attempt failed, another is planned), sent, failed (attempts exhausted).
    """

    __tablename__ = "report_sendings"

    id: Mapped[int] = mapped_column(primary_key=True)
    intervention_id: Mapped[int] = mapped_column(sa.ForeignKey("interventions.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    trigger: Mapped[str] = mapped_column(sa.String(16), default="manual")
    source: Mapped[str] = mapped_column(sa.String(16), default="web")
    recipients: Mapped[list] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(sa.String(16), default="queued")
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(sa.Integer, default=1)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pdf_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    pdf_size: Mapped[int | None] = mapped_column(sa.Integer)
    message_id: Mapped[str | None] = mapped_column(sa.String(250))
    job_id: Mapped[str | None] = mapped_column(sa.String(64))

    requested_by: Mapped[User | None] = relationship(lazy="raise_on_sql")


class CalendarFeed(db.Model):
    """A technician's private iCalendar feed: the URL holds ``token``; revoking it makes
    the URL answer 404 (a new one can be made)."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CalendarEvent(db.Model):
    """What the calendar feeds last published of an intervention: a hash of the event's
    content and its revision (iCalendar's SEQUENCE and LAST-MODIFIED). An event shows the
    client's name and address and the status's label as well as the intervention, so its
    revision cannot be the intervention's version: the feed compares what it is about to
    publish with ``content_hash`` and counts a revision whenever it differs (migration
    0006_calendar_events). ``sequence`` is the row's version: two feeds read at once count
    one revision, not two."""

    __tablename__ = "calendar_events"

    intervention_id: Mapped[int] = mapped_column(sa.ForeignKey("interventions.id", ondelete="CASCADE"), primary_key=True)
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    sequence: Mapped[int] = mapped_column(sa.Integer)
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __mapper_args__ = {"version_id_col": sequence, "version_id_generator": False}


# --- Offline client and sync (issue 5; migration 0003_sync) ---------------------------------


class SyncOperation(db.Model):
    """One operation pushed by a device (answers, a status change, a time entry...), kept
    under the UUID the device made: a replayed push finds it here and changes nothing.

    ``status`` is ``pending`` while it is being applied (in the applying request's
    transaction, never committed so: the row commits with the change and its final status,
    :mod:`webapp.sync.ops`), then ``applied``,
    ``refused`` (``code``/``message``/``errors`` say why) or ``conflict`` (made on a stale
    base: ``payload`` is the device's version, ``server_state`` the server's at that time;
    the back office sees both)."""

    __tablename__ = "sync_operations"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    intervention_id: Mapped[int | None] = mapped_column(sa.ForeignKey("interventions.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(sa.String(32))
    #: The form of an answers operation; the chain of versions of a status operation is "".
    target: Mapped[str] = mapped_column(sa.String(64), default="")
    base_version: Mapped[int | None] = mapped_column(sa.Integer)
    #: The version of the target once applied: later operations of the same device based on
    #: ``base_version`` are based on this one (they were made before the device heard back).
    result_version: Mapped[int | None] = mapped_column(sa.Integer)
    device_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    payload: Mapped[dict] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    code: Mapped[str | None] = mapped_column(sa.String(32))
    message: Mapped[str | None] = mapped_column(sa.Text)
    errors: Mapped[list | None] = mapped_column(JSONType)
    server_state: Mapped[dict | None] = mapped_column(JSONType)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The back office dismissed a refused or conflicting edit from its list.
    dismissed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dismissed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: A later operation of the same user and form, applied: the technician re-sent their
    #: version on the server's current one ("keep mine"); this one is resolved.
    superseded_by: Mapped[str | None] = mapped_column(sa.String(36))

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="raise_on_sql")

    __table_args__ = (
        sa.CheckConstraint("status IN ('pending', 'applied', 'refused', 'conflict')", name="status"),
        sa.Index("ix_sync_operations_intervention_id_target", "intervention_id", "target"),
        sa.Index("ix_sync_operations_user_id_received_at", "user_id", "received_at"),
    )


# --- Answer exports (issue 15; migration 0009_exports) --------------------------------------


class ExportJob(db.Model):
    """An export too large to be answered in the request: made outside it (:mod:`webapp.tasks`),
    its progress (``rows_done`` of ``rows_total``) read by the back office's page from any
    process, its file kept until ``expires_at``. The id is a UUID: it is the download's
    address, and only the one who asked may use it.

    ``status``: queued, running, done, failed (``error`` says why), expired (file deleted).
    """

    __tablename__ = "export_jobs"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_uuid)
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    params: Mapped[dict] = mapped_column(JSONType)
    format: Mapped[str] = mapped_column(sa.String(8))
    status: Mapped[str] = mapped_column(sa.String(16), default="queued")
    rows_done: Mapped[int] = mapped_column(sa.Integer, default=0)
    rows_total: Mapped[int | None] = mapped_column(sa.Integer)
    file_name: Mapped[str | None] = mapped_column(sa.String(200))
    size: Mapped[int | None] = mapped_column(sa.Integer)
    error: Mapped[str | None] = mapped_column(sa.Text)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    job_id: Mapped[str | None] = mapped_column(sa.String(64))

    __table_args__ = (sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed', 'expired')", name="status"),)
