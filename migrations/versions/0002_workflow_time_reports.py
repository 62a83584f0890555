"""Statuses, rights, time and report delivery (issue 6).

Revision ID: 0002_workflow
Revises: 0001_initial
"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0002_workflow"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
