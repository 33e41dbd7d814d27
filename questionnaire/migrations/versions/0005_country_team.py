"""A country's team: contributors' assignments, the internal review of sections, evidence files,
the declaration signed with a submission, resolved comment threads

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 16:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TIME = sa.DateTime(timezone=True)


def _user_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["user_account.id"], name=op.f(f"fk_{table}_{column}_user_account"))


def _assessment_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["assessment_id"], ["assessment.id"], name=op.f(f"fk_{table}_assessment_id_assessment"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "thread_resolution",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("resolved_at", TIME, nullable=False),
        _assessment_fk("thread_resolution"),
        _user_fk("thread_resolution", "resolved_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_thread_resolution")),
        sa.UniqueConstraint("assessment_id", "item_id", name=op.f("uq_thread_resolution_assessment_id")),
    )
    op.create_table(
        "assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("assigned_by_id", sa.Integer(), nullable=True),
        sa.Column("assigned_at", TIME, nullable=False),
        _assessment_fk("assignment"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_assignment_user_id_user_account"), ondelete="CASCADE"
        ),
        _user_fk("assignment", "assigned_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment")),
        sa.UniqueConstraint(
            "assessment_id", "user_id", "section_id", "item_id", name=op.f("uq_assignment_assessment_id")
        ),
    )
    op.create_index(op.f("ix_assignment_assessment_id"), "assignment", ["assessment_id"])
    op.create_index(op.f("ix_assignment_user_id"), "assignment", ["user_id"])
    op.create_table(
        "section_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", TIME, nullable=False),
        _assessment_fk("section_review"),
        _user_fk("section_review", "updated_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_section_review")),
        sa.UniqueConstraint("assessment_id", "section_id", name=op.f("uq_section_review_assessment_id")),
    )
    op.create_index(op.f("ix_section_review_assessment_id"), "section_review", ["assessment_id"])
    op.create_table(
        "evidence_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("document_date", sa.Date(), nullable=True),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage", sa.String(length=10), nullable=False),
        sa.Column("storage_key", sa.String(length=300), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", TIME, nullable=False),
        _assessment_fk("evidence_file"),
        _user_fk("evidence_file", "uploaded_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_file")),
    )
    op.create_index("ix_evidence_file_assessment_item", "evidence_file", ["assessment_id", "item_id"])
    op.create_table(
        "declaration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("position", sa.String(length=200), nullable=False),
        sa.Column("ministry", sa.String(length=300), nullable=False),
        sa.Column("at", TIME, nullable=False),
        _assessment_fk("declaration"),
        sa.ForeignKeyConstraint(
            ["event_id"], ["assessment_event.id"], name=op.f("fk_declaration_event_id_assessment_event")
        ),
        _user_fk("declaration", "user_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declaration")),
    )
    op.create_index(op.f("ix_declaration_assessment_id"), "declaration", ["assessment_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_declaration_assessment_id"), table_name="declaration")
    op.drop_table("declaration")
    op.drop_index("ix_evidence_file_assessment_item", table_name="evidence_file")
    op.drop_table("evidence_file")
    op.drop_index(op.f("ix_section_review_assessment_id"), table_name="section_review")
    op.drop_table("section_review")
    op.drop_index(op.f("ix_assignment_user_id"), table_name="assignment")
    op.drop_index(op.f("ix_assignment_assessment_id"), table_name="assignment")
    op.drop_table("assignment")
    op.drop_table("thread_resolution")
