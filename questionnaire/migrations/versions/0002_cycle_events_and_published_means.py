"""Cycles: an audit trail of closing and reopening, and the means published to countries

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 21:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cycle", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published_means", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("means_published_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "cycle_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["cycle.id"], name=op.f("fk_cycle_event_cycle_id_cycle"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_cycle_event_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cycle_event")),
    )
    with op.batch_alter_table("cycle_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cycle_event_cycle_id"), ["cycle_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cycle_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cycle_event_cycle_id"))
    op.drop_table("cycle_event")
    with op.batch_alter_table("cycle", schema=None) as batch_op:
        batch_op.drop_column("means_published_at")
        batch_op.drop_column("published_means")
