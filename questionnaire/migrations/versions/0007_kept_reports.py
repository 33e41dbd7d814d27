"""Kept reports: each country's gap report rendered ahead of time, per reader, language and format
(reports/kept.py), and the region a meeting pack is limited to

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "kept_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("assessment_version", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("audience", sa.String(length=10), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("format", sa.String(length=4), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_kept_report_assessment_id_assessment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kept_report")),
        sa.UniqueConstraint(
            "assessment_id", "audience", "language", "format", name=op.f("uq_kept_report_assessment_id")
        ),
    )
    op.create_index(op.f("ix_kept_report_assessment_id"), "kept_report", ["assessment_id"])
    op.create_table(
        "meeting_pack_region",
        sa.Column("job_id", sa.String(length=36), nullable=False),
        sa.Column("region", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["job.id"], name=op.f("fk_meeting_pack_region_job_id_job"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_meeting_pack_region")),
    )


def downgrade() -> None:
    op.drop_table("meeting_pack_region")
    op.drop_index(op.f("ix_kept_report_assessment_id"), table_name="kept_report")
    op.drop_table("kept_report")
