"""Cycle after cycle: due dates, answers carried forward, first submission, recommendations

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 15:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cycle", schema=None) as batch_op:
        batch_op.add_column(sa.Column("due_date", sa.Date(), nullable=True))
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_submitted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("carried_from_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_assessment_carried_from_id_assessment", "assessment", ["carried_from_id"], ["id"], ondelete="SET NULL"
        )
    # Assessments submitted before this revision: their first submission is the earliest "submitted" event.
    op.execute(
        "UPDATE assessment SET first_submitted_at = (SELECT MIN(e.at) FROM assessment_event e"
        " WHERE e.assessment_id = assessment.id AND e.action = 'submitted')"
    )
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("carry", sa.String(length=12), nullable=True))
    op.create_table(
        "recommendation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("obligation_id", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("target_cycle", sa.String(length=32), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_recommendation_assessment_id_assessment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["assessment_event.id"], name=op.f("fk_recommendation_event_id_assessment_event")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user_account.id"], name=op.f("fk_recommendation_created_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendation")),
    )
    op.create_index(op.f("ix_recommendation_assessment_id"), "recommendation", ["assessment_id"])
    op.create_table(
        "recommendation_comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendation.id"],
            name=op.f("fk_recommendation_comment_recommendation_id_recommendation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_recommendation_comment_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendation_comment")),
    )
    op.create_index(
        op.f("ix_recommendation_comment_recommendation_id"), "recommendation_comment", ["recommendation_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_recommendation_comment_recommendation_id", table_name="recommendation_comment")
    op.drop_table("recommendation_comment")
    op.drop_index("ix_recommendation_assessment_id", table_name="recommendation")
    op.drop_table("recommendation")
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.drop_column("carry")
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.drop_constraint("fk_assessment_carried_from_id_assessment", type_="foreignkey")
        batch_op.drop_column("carried_from_id")
        batch_op.drop_column("first_submitted_at")
    with op.batch_alter_table("cycle", schema=None) as batch_op:
        batch_op.drop_column("due_date")
