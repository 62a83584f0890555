"""The lock of an intervention lives in one place: ``intervention_work.closed_at`` (who
closed it, when and why are there already). ``interventions.closed`` repeated it and goes;
``Intervention.closed`` reads ``closed_at``.

A row marked closed with no ``closed_at`` (written before the two were kept together)
keeps its lock: it gets a work row, or its row gets a ``closed_at`` (its last change).
The downgrade restores the column from ``closed_at``.

Revision ID: 0005_drop_intervention_closed
Revises: 0004_sync_superseded
"""

from alembic import op
import sqlalchemy as sa

revision = "0005_drop_intervention_closed"
down_revision = "0004_sync_superseded"
branch_labels = None
depends_on = None

interventions = sa.table("interventions", sa.column("id", sa.Integer), sa.column("closed", sa.Boolean), sa.column("updated_at", sa.DateTime(timezone=True)))
work = sa.table("intervention_work", sa.column("intervention_id", sa.Integer), sa.column("closed_at", sa.DateTime(timezone=True)))


def upgrade():
    closed_without_date = sa.and_(interventions.c.closed == sa.true(), sa.not_(
        sa.exists().where(work.c.intervention_id == interventions.c.id, work.c.closed_at.is_not(None))
    ))
    has_row = sa.exists().where(work.c.intervention_id == interventions.c.id)
    op.execute(work.insert().from_select(
        ["intervention_id", "closed_at"],
        sa.select(interventions.c.id, interventions.c.updated_at).where(closed_without_date, sa.not_(has_row)),
    ))
    op.execute(work.update().where(
        work.c.closed_at.is_(None),
        work.c.intervention_id.in_(sa.select(interventions.c.id).where(interventions.c.closed == sa.true())),
    ).values(closed_at=sa.select(interventions.c.updated_at).where(interventions.c.id == work.c.intervention_id).scalar_subquery()))
    with op.batch_alter_table("interventions", schema=None) as batch_op:
        batch_op.drop_column("closed")


def downgrade():
    with op.batch_alter_table("interventions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(interventions.update().values(
        closed=sa.exists().where(work.c.intervention_id == interventions.c.id, work.c.closed_at.is_not(None))
    ))
    with op.batch_alter_table("interventions", schema=None) as batch_op:
        batch_op.alter_column("closed", server_default=None)
