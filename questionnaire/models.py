"""The persistent model: countries, people, cycles, assessments, answers and their history."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from .db import Base
from .i18n import country_name


def utcnow() -> datetime:
    """Return the current time in UTC, timezone-aware."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Store datetimes in UTC and always hand them back timezone-aware.

    SQLite keeps no timezone; PostgreSQL does.  This makes both behave alike.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC times")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Role(enum.StrEnum):
    RESPONDENT = "respondent"  # a country's focal point
    CONTRIBUTOR = "contributor"  # an officer of another agency, answering what a focal point assigns
    REVIEWER = "reviewer"
    ADMIN = "admin"


class Status(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    ACCEPTED = "accepted"


class Country(Base):
    __tablename__ = "country"

    iso3: Mapped[str] = mapped_column(String(3), primary_key=True)
    iso2: Mapped[str] = mapped_column(String(2), unique=True)
    numeric: Mapped[str] = mapped_column(String(3))
    name_en: Mapped[str] = mapped_column("name", String(120))  # ISO 3166-1's English short name
    region: Mapped[str] = mapped_column(String(40), default="")  # UN M49, in English: a key
    subregion: Mapped[str] = mapped_column(String(60), default="")

    @property
    def name(self) -> str:
        """The country's name in the reader's language (CLDR), English outside a request."""
        return country_name(self)


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    country_iso3: Mapped[str | None] = mapped_column(ForeignKey("country.iso3"), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(10), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Made by `questionnaire demo`: such accounts are not asked for a second factor.
    demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Two-factor sign-in (TOTP, RFC 6238): the shared secret (base32), when it was confirmed,
    # and the last time step a code was accepted for, so no code works twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64), nullable=True)
    totp_enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    totp_last_step: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Invitations: when the last one was sent, and when its link set the password.
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    invitation_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Notifications: by e-mail at once, in a daily digest, or not at all (NotifyBy);
    # the unread count is kept here so every page shows it without another query.
    notify_by: Mapped[str] = mapped_column(String(10), default="instant", server_default="instant")
    unread_notifications: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    digest_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    country: Mapped[Country | None] = relationship(lazy="joined")

    # The secret of the sign-in session this request came with (not stored).
    login_secret = cast("str | None", None)
    is_anonymous = False

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return bool(self.active)

    def get_id(self) -> str | None:
        """Return what the session cookie holds: the sign-in session's secret."""
        return self.login_secret

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_reviewer(self) -> bool:
        """Tell whether the user may review (reviewers and admins)."""
        return self.role in (Role.REVIEWER, Role.ADMIN)

    @property
    def is_respondent(self) -> bool:
        return self.role == Role.RESPONDENT

    @property
    def is_contributor(self) -> bool:
        return self.role == Role.CONTRIBUTOR


class LoginSession(Base):
    """A signed-in browser.  Its id is in the session cookie; deleting it signs the browser out."""

    __tablename__ = "login_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the secret
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")

    user: Mapped[User] = relationship(lazy="joined")


class ApiToken(Base):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship(lazy="joined")


class CatalogueEdition(Base):
    """The full content of one catalogue edition, kept so old cycles never change."""

    __tablename__ = "catalogue_edition"

    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    content: Mapped[str] = mapped_column(Text)  # canonical JSON
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Cycle(Base):
    __tablename__ = "cycle"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    edition_hash: Mapped[str] = mapped_column(ForeignKey("catalogue_edition.hash"))
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    # The day answers are due (a submission after its end, in UTC, is accepted and marked late).
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The means over all countries and each region that countries' own reports show,
    # computed once when the cycle first closes and never again (docs/methodology.md,
    # "Means shown to countries"): a mean that moved with each submission would give
    # away the newcomer's scores.
    published_means: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    means_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    @property
    def status(self) -> str:
        return "open" if self.is_open else "closed"

    def is_late(self, submitted_at: datetime | None) -> bool:
        """Tell whether a first submission at that time came after the due date (its end, in UTC)."""
        return (
            self.due_date is not None
            and submitted_at is not None
            and submitted_at.astimezone(UTC).date() > self.due_date
        )

    def days_left(self, today: date | None = None) -> int | None:
        """Return the days until the due date (0 on the day, negative once past), None without one."""
        if self.due_date is None:
            return None
        return (self.due_date - (today or datetime.now(UTC).date())).days


class CycleEvent(Base):
    """A step in the life of a cycle: opened, closed, reopened (the cycle's audit trail)."""

    __tablename__ = "cycle_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    comment: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User | None] = relationship(lazy="joined")


class Assessment(Base):
    __tablename__ = "assessment"
    __table_args__ = (UniqueConstraint("cycle_id", "country_iso3"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), index=True)
    country_iso3: Mapped[str] = mapped_column(ForeignKey("country.iso3"))
    status: Mapped[str] = mapped_column(String(20), default=Status.DRAFT)
    # Bumped by every change of status or answers: what API clients compare.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The first submission: what "on time" or "late" is judged by (a resubmission after a
    # return does not make a country late).
    first_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The earlier assessment whose answers were carried forward when this one started.
    carried_from_id: Mapped[int | None] = mapped_column(ForeignKey("assessment.id", ondelete="SET NULL"), nullable=True)
    # The scores as last computed, and the version they were computed at.
    scores: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    scores_version: Mapped[int | None] = mapped_column(Integer, nullable=True)

    cycle: Mapped[Cycle] = relationship(lazy="joined")
    country: Mapped[Country] = relationship(lazy="joined")


class Answer(Base):
    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("assessment_id", "item_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(String(64))
    rating: Mapped[str | None] = mapped_column(String(32), nullable=True)
    description: Mapped[str] = mapped_column(Text, default="")
    legal_references: Mapped[list[str]] = mapped_column(JSON, default=list)
    evidence_links: Mapped[list[str]] = mapped_column(JSON, default=list)
    assistance_kind: Mapped[str | None] = mapped_column(String(32), nullable=True)
    assistance_description: Mapped[str] = mapped_column(Text, default="")
    justification: Mapped[str] = mapped_column(Text, default="")
    # Carried forward from the previous cycle: "carried" until a respondent confirms it
    # ("confirmed": unchanged) or changes it ("changed"); None for an answer given this cycle.
    carry: Mapped[str | None] = mapped_column(String(12), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)

    updated_by: Mapped[User | None] = relationship(lazy="select")


class AnswerChange(Base):
    """One saved change of one answer: the audit trail."""

    __tablename__ = "answer_change"
    __table_args__ = (Index("ix_answer_change_assessment_item", "assessment_id", "item_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)  # the answer's version after the change
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    source: Mapped[str] = mapped_column(String(20), default="form")  # form, api, spreadsheet, import
    # {field: [old, new]} for every field that changed
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)

    user: Mapped[User | None] = relationship(lazy="joined")


class Event(Base):
    """A step of an assessment's lifecycle: created, submitted, returned, accepted."""

    __tablename__ = "assessment_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    to_status: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    comment: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User | None] = relationship(lazy="joined")


class Comment(Base):
    """A message in an item's thread between reviewers and the country."""

    __tablename__ = "item_comment"
    __table_args__ = (Index("ix_item_comment_assessment_item", "assessment_id", "item_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    body: Mapped[str] = mapped_column(Text)

    user: Mapped[User | None] = relationship(lazy="joined")


class ThreadResolution(Base):
    """An item's comment thread marked resolved (by either side); a new message opens it again."""

    __tablename__ = "thread_resolution"
    __table_args__ = (UniqueConstraint("assessment_id", "item_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(String(64))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    resolved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    resolved_by: Mapped[User | None] = relationship(lazy="joined")


class Assignment(Base):
    """A section (or a single item) of an assessment that a focal point gave a contributor to answer."""

    __tablename__ = "assignment"
    __table_args__ = (UniqueConstraint("assessment_id", "user_id", "section_id", "item_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    section_id: Mapped[str] = mapped_column(String(64))
    item_id: Mapped[str] = mapped_column(String(64), default="")  # "" for the whole section
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(lazy="joined", foreign_keys=[user_id])


class SectionState(enum.StrEnum):
    """Where a section stands in the country's internal review (never shown to reviewers)."""

    IN_PROGRESS = "in_progress"
    READY = "ready"  # a contributor says it is ready
    APPROVED = "approved"  # the focal point approved it
    SENT_BACK = "sent_back"  # the focal point sent it back with a note


class SectionReview(Base):
    """The internal review of one section of one assessment: its state, the last note, who and when."""

    __tablename__ = "section_review"
    __table_args__ = (UniqueConstraint("assessment_id", "section_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    section_id: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(20), default=SectionState.IN_PROGRESS)
    note: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    updated_by: Mapped[User | None] = relationship(lazy="joined")


class EvidenceFile(Base):
    """A file attached to one answer: a law, a decree, statistics.  Its bytes are in `content` or object storage."""

    __tablename__ = "evidence_file"
    __table_args__ = (Index("ix_evidence_file_assessment_item", "assessment_id", "item_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    document_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)  # shared with reviewers, else internal
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))  # as found from the content
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage: Mapped[str] = mapped_column(String(10), default="db")  # db or s3
    storage_key: Mapped[str] = mapped_column(String(300), default="")
    content: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    uploaded_by: Mapped[User | None] = relationship(lazy="joined")


class Declaration(Base):
    """Who stands behind a submission: name, position and ministry, recorded with it."""

    __tablename__ = "declaration"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("assessment_event.id"), nullable=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[str] = mapped_column(String(200))
    ministry: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Carry(enum.StrEnum):
    """Where a carried-forward answer stands."""

    CARRIED = "carried"  # carried forward, not yet confirmed or changed
    CONFIRMED = "confirmed"  # confirmed unchanged by a respondent
    CHANGED = "changed"  # changed since it was carried forward


class Priority(enum.StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Recommendation(Base):
    """What reviewers asked a country to do about one obligation, made when returning or accepting."""

    __tablename__ = "recommendation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    obligation_id: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    priority: Mapped[str] = mapped_column(String(10), default=Priority.MEDIUM)
    # The code of the cycle by which it should be done ("" for the next cycle).
    target_cycle: Mapped[str] = mapped_column(String(32), default="")
    # The return or acceptance it was made with.
    event_id: Mapped[int | None] = mapped_column(ForeignKey("assessment_event.id"), nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    assessment: Mapped[Assessment] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship(lazy="joined")


class RecommendationComment(Base):
    """A message about a recommendation's follow-up, from reviewers or the country."""

    __tablename__ = "recommendation_comment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendation.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    body: Mapped[str] = mapped_column(Text)

    user: Mapped[User | None] = relationship(lazy="joined")


class Job(Base):
    """Background work a reviewer started, such as a meeting pack."""

    __tablename__ = "job"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("cycle.id"), nullable=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    language: Mapped[str] = mapped_column(String(10), default="en", server_default="en")  # of the documents
    result_path: Mapped[str | None] = mapped_column(String(500), nullable=True)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class NotifyBy(enum.StrEnum):
    """How a user wants to hear of notifications by e-mail (they are always in the platform)."""

    INSTANT = "instant"
    DAILY = "daily"
    OFF = "off"


class RecoveryCode(Base):
    """A one-time code that stands in for the authenticator app (stored as a SHA-256 digest)."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Notification(Base):
    """Something a user should know of: an assessment returned or submitted, a comment, an assignment,
    a due date.  Kept as a kind and its parameters, so it reads in the user's language when shown."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_id_created_at", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    link: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # When it went out by e-mail (at once or in a digest); None while it is still to be sent.
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ReminderSent(Base):
    """A due-date reminder sent to a country for a cycle: each (cycle, country, days before) once."""

    __tablename__ = "reminder_sent"
    __table_args__ = (UniqueConstraint("cycle_id", "country_iso3", "days_before"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"))
    country_iso3: Mapped[str] = mapped_column(ForeignKey("country.iso3"))
    days_before: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class KeptReport(Base):
    """A country's gap report rendered ahead of time (reports/kept.py), one per reader, language and format.

    The bytes live in the database, not in the instance folder: the web processes and the
    `questionnaire worker` processes that render them may run on different machines with
    only the database in common, a copy is written in the same transaction as the digest
    that says what it was made from, and it goes with its assessment (and with backups).
    `digest` names everything the report depends on (the assessment's version, the means
    beside it, the catalogue edition and its translation, the templates); a copy whose
    digest is not the current one is never served.
    """

    __tablename__ = "kept_report"
    __table_args__ = (UniqueConstraint("assessment_id", "audience", "language", "format"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    assessment_version: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))
    audience: Mapped[str] = mapped_column(String(10))  # "country" or "reviewer" (reports.content.AUDIENCES)
    language: Mapped[str] = mapped_column(String(10))
    format: Mapped[str] = mapped_column(String(4))  # "pdf" or "html"
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending, ready or failed
    content: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    size: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MeetingPackRegion(Base):
    """The region a meeting pack (a `Job`) is limited to; a pack without a row covers every region."""

    __tablename__ = "meeting_pack_region"

    job_id: Mapped[str] = mapped_column(ForeignKey("job.id", ondelete="CASCADE"), primary_key=True)
    region: Mapped[str] = mapped_column(String(40))
