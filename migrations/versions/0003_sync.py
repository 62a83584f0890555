"""Offline client and sync (issue 5): the operations devices push, kept by their UUID.

Revision ID: 0003_sync
Revises: 0002_workflow
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0003_sync"
down_revision = "0002_workflow"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade():
    op.create_table(
        "sync_operations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("intervention_id", sa.Integer(), nullable=True),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("target", sa.String(length=64), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=True),
        sa.Column("result_version", sa.Integer(), nullable=True),
        sa.Column("device_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("errors", JSON, nullable=True),
        sa.Column("server_state", JSON, nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dismissed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dismissed_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'applied', 'refused', 'conflict')", name=op.f("ck_sync_operations_status")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_sync_operations_user_id_users")),
        sa.ForeignKeyConstraint(["dismissed_by_id"], ["users.id"], name=op.f("fk_sync_operations_dismissed_by_id_users")),
        sa.ForeignKeyConstraint(["intervention_id"], ["interventions.id"], name=op.f("fk_sync_operations_intervention_id_interventions"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_operations")),
    )
    with op.batch_alter_table("sync_operations", schema=None) as batch_op:
        batch_op.create_index("ix_sync_operations_intervention_id_target", ["intervention_id", "target"], unique=False)
        batch_op.create_index("ix_sync_operations_user_id_received_at", ["user_id", "received_at"], unique=False)


def downgrade():
    with op.batch_alter_table("sync_operations", schema=None) as batch_op:
        batch_op.drop_index("ix_sync_operations_user_id_received_at")
        batch_op.drop_index("ix_sync_operations_intervention_id_target")
    op.drop_table("sync_operations")
