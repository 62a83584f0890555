"""Offline client: a refused or conflicting device edit superseded by a later one of the
same device and form that the server applied (the technician kept their version).

Revision ID: 0004_sync_superseded
Revises: 0003_sync
"""

from alembic import op
import sqlalchemy as sa

revision = "0004_sync_superseded"
down_revision = "0003_sync"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("sync_operations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("superseded_by", sa.String(length=36), nullable=True))


def downgrade():
    with op.batch_alter_table("sync_operations", schema=None) as batch_op:
        batch_op.drop_column("superseded_by")
