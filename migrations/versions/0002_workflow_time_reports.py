"""Statuses, rights, time and report delivery (issue 6): the work record of an
intervention (start, done, actual and travel time, who closed it and why), timer
segments, signatures with the digest of what they signed, report sendings, calendar feeds.

Revision ID: 0002_workflow
Revises: 0001_initial
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0002_workflow"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TS = sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        "intervention_work",
        sa.Column("intervention_id", sa.Integer(), nullable=False),
        sa.Column("started_at", TS, nullable=True),
        sa.Column("done_at", TS, nullable=True),
        sa.Column("actual_minutes", sa.Integer(), nullable=True),
        sa.Column("travel_minutes", sa.Integer(), nullable=True),
        sa.Column("closed_at", TS, nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["intervention_id"], ["interventions.id"], name=op.f("fk_intervention_work_intervention_id_interventions"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["closed_by_id"], ["users.id"], name=op.f("fk_intervention_work_closed_by_id_users")),
        sa.PrimaryKeyConstraint("intervention_id", name=op.f("pk_intervention_work")),
    )
    op.create_table(
        "time_segments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("intervention_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("ended_at", TS, nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["intervention_id"], ["interventions.id"], name=op.f("fk_time_segments_intervention_id_interventions"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_time_segments_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_time_segments")),
    )
    op.create_index(op.f("ix_time_segments_intervention_id"), "time_segments", ["intervention_id"], unique=False)
    op.create_table(
        "signature_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("intervention_id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("form_id", sa.String(length=64), nullable=False),
        sa.Column("pointer", sa.String(length=200), nullable=False),
        sa.Column("signer", sa.String(length=16), nullable=False),
        sa.Column("signer_name", sa.String(length=160), nullable=True),
        sa.Column("signed_at", TS, nullable=True),
        sa.Column("attachment_id", sa.String(length=36), nullable=True),
        sa.Column("answers_digest", sa.String(length=64), nullable=False),
        sa.Column("form_content_hash", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["intervention_id"], ["interventions.id"], name=op.f("fk_signature_records_intervention_id_interventions"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"], name=op.f("fk_signature_records_submission_id_submissions"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"], name=op.f("fk_signature_records_recorded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signature_records")),
        sa.UniqueConstraint("submission_id", "pointer", name=op.f("uq_signature_records_submission_id_pointer")),
    )
    op.create_index(op.f("ix_signature_records_intervention_id"), "signature_records", ["intervention_id"], unique=False)
    op.create_table(
        "report_sendings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("intervention_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", TS, nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("recipients", JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_attempt_at", TS, nullable=True),
        sa.Column("next_attempt_at", TS, nullable=True),
        sa.Column("sent_at", TS, nullable=True),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=True),
        sa.Column("pdf_size", sa.Integer(), nullable=True),
        sa.Column("message_id", sa.String(length=250), nullable=True),
        sa.Column("job_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["intervention_id"], ["interventions.id"], name=op.f("fk_report_sendings_intervention_id_interventions"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["requested_by_id"], ["users.id"], name=op.f("fk_report_sendings_requested_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_sendings")),
    )
    op.create_index(op.f("ix_report_sendings_intervention_id"), "report_sendings", ["intervention_id"], unique=False)
    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("revoked_at", TS, nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_calendar_feeds_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("token", name=op.f("uq_calendar_feeds_token")),
    )
    op.create_index(op.f("ix_calendar_feeds_user_id"), "calendar_feeds", ["user_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_calendar_feeds_user_id"), table_name="calendar_feeds")
    op.drop_table("calendar_feeds")
    op.drop_index(op.f("ix_report_sendings_intervention_id"), table_name="report_sendings")
    op.drop_table("report_sendings")
    op.drop_index(op.f("ix_signature_records_intervention_id"), table_name="signature_records")
    op.drop_table("signature_records")
    op.drop_index(op.f("ix_time_segments_intervention_id"), table_name="time_segments")
    op.drop_table("time_segments")
    op.drop_table("intervention_work")
