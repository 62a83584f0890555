"""Installed equipment (issue 15): a client's boilers, stoves, heat pumps..., with fixed
fields, free fields declared in ``form_definitions/equipment.json`` and the next
maintenance date answers may set; an intervention may target one piece of equipment
(``interventions.equipment_id``, set to NULL if the equipment row goes). Changes are
audited in ``audit_log``.

Revision ID: 0008_equipment
Revises: 0007_session_generation
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0008_equipment"
down_revision = "0007_session_generation"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "equipment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("brand", sa.String(length=80), nullable=True),
        sa.Column("model", sa.String(length=120), nullable=True),
        sa.Column("serial_number", sa.String(length=80), nullable=True),
        sa.Column("installed_on", sa.Date(), nullable=True),
        sa.Column("warranty_until", sa.Date(), nullable=True),
        sa.Column("fuel", sa.String(length=32), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("fields", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False),
        sa.Column("next_maintenance_on", sa.Date(), nullable=True),
        sa.Column("retired_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], name=op.f("fk_equipment_client_id_clients")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_equipment")),
    )
    op.create_index(op.f("ix_equipment_client_id"), "equipment", ["client_id"], unique=False)
    with op.batch_alter_table("interventions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("equipment_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_interventions_equipment_id"), ["equipment_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_interventions_equipment_id_equipment"), "equipment", ["equipment_id"], ["id"], ondelete="SET NULL")


def downgrade():
    with op.batch_alter_table("interventions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_interventions_equipment_id_equipment"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_interventions_equipment_id"))
        batch_op.drop_column("equipment_id")
    op.drop_index(op.f("ix_equipment_client_id"), table_name="equipment")
    op.drop_table("equipment")
