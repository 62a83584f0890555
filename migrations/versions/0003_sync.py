"""Offline client and sync API (issue 5).

Revision ID: 0003_sync
Revises: 0002_workflow
"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0003_sync"
down_revision = "0002_workflow"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
