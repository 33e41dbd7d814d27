"""Accounts and messages: two-factor sign-in (TOTP and recovery codes), invitations sent by
e-mail, notifications with each user's e-mail preference, due-date reminders sent once

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 18:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TIME = sa.DateTime(timezone=True)


def _user_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["user_id"], ["user_account.id"], name=op.f(f"fk_{table}_user_id_user_account"), ondelete="CASCADE"
    )


def upgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("demo", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("totp_enrolled_at", TIME, nullable=True))
        batch.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("invited_at", TIME, nullable=True))
        batch.add_column(sa.Column("invitation_accepted_at", TIME, nullable=True))
        batch.add_column(sa.Column("notify_by", sa.String(length=10), server_default="instant", nullable=False))
        batch.add_column(sa.Column("unread_notifications", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("digest_sent_at", TIME, nullable=True))
    op.create_table(
        "recovery_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("used_at", TIME, nullable=True),
        _user_fk("recovery_code"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_code")),
    )
    op.create_index(op.f("ix_recovery_code_user_id"), "recovery_code", ["user_id"])
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("read_at", TIME, nullable=True),
        sa.Column("emailed_at", TIME, nullable=True),
        _user_fk("notification"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
    )
    op.create_index("ix_notification_user_id_created_at", "notification", ["user_id", "created_at"])
    op.create_table(
        "reminder_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("country_iso3", sa.String(length=3), nullable=False),
        sa.Column("days_before", sa.Integer(), nullable=False),
        sa.Column("sent_at", TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["cycle.id"], name=op.f("fk_reminder_sent_cycle_id_cycle"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["country_iso3"], ["country.iso3"], name=op.f("fk_reminder_sent_country_iso3_country")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_sent")),
        sa.UniqueConstraint("cycle_id", "country_iso3", "days_before", name=op.f("uq_reminder_sent_cycle_id")),
    )


def downgrade() -> None:
    op.drop_table("reminder_sent")
    op.drop_index("ix_notification_user_id_created_at", table_name="notification")
    op.drop_table("notification")
    op.drop_index(op.f("ix_recovery_code_user_id"), table_name="recovery_code")
    op.drop_table("recovery_code")
    with op.batch_alter_table("user_account") as batch:
        for column in (
            "digest_sent_at",
            "unread_notifications",
            "notify_by",
            "invitation_accepted_at",
            "invited_at",
            "totp_last_step",
            "totp_enrolled_at",
            "totp_secret",
            "demo",
        ):
            batch.drop_column(column)
