"""Calendar feeds: the revision of each published event (SEQUENCE, LAST-MODIFIED), counted
when its content changes, whatever changed it (the intervention, its client, a label).

Revision ID: 0006_calendar_events
Revises: 0005_drop_intervention_closed
"""

from alembic import op
import sqlalchemy as sa

revision = "0006_calendar_events"
down_revision = "0005_drop_intervention_closed"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "calendar_events",
        sa.Column("intervention_id", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["intervention_id"], ["interventions.id"], name=op.f("fk_calendar_events_intervention_id_interventions"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("intervention_id", name=op.f("pk_calendar_events")),
    )


def downgrade():
    op.drop_table("calendar_events")
