"""Sessions that end (issue 11): ``users.session_generation``, the number every login of
the user carries (session and "remember me" cookie alike). Logging out, a password change
or reset and disabling the account raise it: every login made before stops working, on
every device. Existing rows start at 0; a login issued before this revision carries no
generation and is refused once (the user signs in again).

Revision ID: 0007_session_generation
Revises: 0006_calendar_events
"""

from alembic import op
import sqlalchemy as sa

revision = "0007_session_generation"
down_revision = "0006_calendar_events"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_generation", sa.Integer(), nullable=False, server_default="0"))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_generation")
