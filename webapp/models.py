"""The database: users, clients, interventions, form versions, submissions, audit.

Every datetime is timezone-aware and stored in UTC (:class:`UTCDateTime`); pages show
them in Europe/Paris. Event types and workflow statuses are *not* tables: they come from
``form_definitions/`` (the catalog, see :mod:`webapp.registry`) and interventions keep
their string keys. The files are the account manager's single source of truth; a copy in
the database could only drift from them. Form definitions are different: submissions must
keep pointing at the exact content they were filled with, so each distinct content is
stored once, immutable, as a :class:`FormVersion`.
"""

from __future__ import annotations

import uuid as uuid_mod
from datetime import datetime, timezone

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db

ROLES = ("manager", "office", "technician")

#: The longest an intervention may last. The agenda's range query relies on it: an
#: intervention overlapping a week started at most this long before the week.
MAX_INTERVENTION_DAYS = 31


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


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

    __table_args__ = (sa.CheckConstraint("role IN ('manager', 'office', 'technician')", name="role"),)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses disabled accounts
        return bool(self.active)

    @property
    def is_technician(self) -> bool:
        return self.role == "technician"

    @property
    def is_back_office(self) -> bool:
        return self.role in ("manager", "office")

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
    closed: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    client: Mapped[Client] = relationship(lazy="raise_on_sql")
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
        return int((self.end_at - self.start_at).total_seconds() // 60)


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


# --- Offline client and sync (issue 5; migration 0003_sync) ---------------------------------
