"""The life of an assessment: start, submit, return, accept; comments; progress."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import NamedTuple

from blinker import Namespace
from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from ..catalogue import Catalogue
from ..catalogue_store import catalogue_for
from ..db import db, table_of
from ..models import Answer, Assessment, Comment, Cycle, Event, Role, Status, ThreadResolution, User, utcnow
from . import notifications
from .access import (
    can_comment_on,
    can_review,
    can_view,
    can_view_item,
    find_assessment,
    find_country,
    status_word,
)
from .answers import answers_of, bump_version, clean_text, rated_items
from .carry import carry_forward
from .declarations import DeclarationInput, check_declaration
from .declarations import record as record_declaration
from .errors import CommentTooLong, CycleClosed, EmptyComment, Forbidden, InvalidAnswer, InvalidTransition, NotFound

MAX_COMMENT = 5_000
log = logging.getLogger(__name__)
#: Sent after a submission, return or acceptance is committed, with `assessment` and `action`
#: (reports/kept.py renders the reports ahead of time).  A receiver that fails is logged and
#: never undoes or fails the transition.
transitioned = Namespace().signal("assessment-transitioned")


def start_assessment(user: User, cycle: Cycle, iso3: str) -> tuple[Assessment, bool]:
    """Open the country's assessment in a cycle if it has none; return it and whether it is new."""
    country = find_country(iso3)
    existing = find_assessment(cycle.code, country.iso3)
    if user.role != Role.RESPONDENT or user.country_iso3 != country.iso3:
        # Only the country's own respondents start its assessment.  Anyone else gets
        # the assessment when they may already see it, and otherwise the same "not
        # found" whether the country has a draft or nothing: the answer must not
        # reveal that a draft exists (PRODUCT.md, "People and roles").
        if existing is not None and can_view(user, existing):
            return existing, False
        raise NotFound(_("No such assessment."))
    if existing is not None:
        return existing, False
    if not cycle.is_open:
        raise CycleClosed(_("Cycle %(code)s is closed.", code=cycle.code))
    assessment = Assessment(cycle_id=cycle.id, country_iso3=country.iso3, status=Status.DRAFT)
    db.session.add(assessment)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()  # someone started it at the same moment
        found = find_assessment(cycle.code, country.iso3)
        assert found is not None
        return found, False
    db.session.add(
        Event(assessment_id=assessment.id, action="started", from_status=None, to_status=Status.DRAFT, user_id=user.id)
    )
    db.session.flush()
    carry_forward(assessment, user)
    db.session.commit()
    return assessment, True


def _transition(
    user: User,
    assessment: Assessment,
    action: str,
    allowed_from: tuple[str, ...],
    to: str,
    comment: str,
    declaration: DeclarationInput | None = None,
) -> Event:
    now = utcnow()
    values: dict[str, object] = {"status": to}
    if action == "submitted":
        values["submitted_at"] = now
        values["first_submitted_at"] = func.coalesce(table_of(Assessment).c.first_submitted_at, now)
    if not bump_version(assessment, now, only_from=allowed_from, **values):
        db.session.rollback()
        db.session.refresh(assessment)
        raise InvalidTransition(
            _(
                "The assessment is %(status)s: it cannot be %(action)s now.",
                status=status_word(assessment.status),
                action=status_word(action),
            )
        )
    event = Event(
        assessment_id=assessment.id,
        action=action,
        from_status=assessment.status,
        to_status=to,
        user_id=user.id,
        at=now,
        comment=comment,
    )
    db.session.add(event)
    if declaration is not None:
        db.session.flush()  # the event's id, for the declaration signed with it (one commit for both)
        record_declaration(assessment, event.id, user, declaration, now)
    notifications.on_transition(user, assessment, action, to, comment)  # sent once this commits
    db.session.commit()
    db.session.refresh(assessment)
    _after_transition(assessment, action)
    return event


def _after_transition(assessment: Assessment, action: str) -> None:
    """Tell the receivers of `transitioned`; the transition is committed whatever they do."""
    for receiver in transitioned.receivers_for(assessment):
        try:
            receiver(assessment, action=action)
        except Exception:  # noqa: BLE001 - a hook must never fail the transition
            log.exception("after %s of assessment %s: %r failed", action, assessment.id, receiver)


def unanswered_items(assessment: Assessment, catalogue: Catalogue | None = None) -> list[str]:
    """Return the ids of items without a rating, in catalogue order."""
    catalogue = catalogue or catalogue_for(assessment.cycle)
    answers = answers_of(assessment)
    return [i.id for i in catalogue.items if not (answers.get(i.id) and answers[i.id].rating)]


def require_submit(user: User, assessment: Assessment) -> None:
    """Raise unless the user may submit the assessment now (submitting checks its state again, atomically)."""
    if not can_view(user, assessment):
        raise NotFound(_("No such assessment."))
    if user.role != Role.RESPONDENT:
        raise Forbidden(_("Only the country's respondents can submit its assessment."))
    if not assessment.cycle.is_open:
        raise CycleClosed(_("Cycle %(code)s is closed.", code=assessment.cycle.code))
    if assessment.status not in (Status.DRAFT, Status.RETURNED):
        raise InvalidTransition(
            _(
                "The assessment is %(status)s: it cannot be %(action)s now.",
                status=status_word(assessment.status),
                action=status_word("submitted"),
            )
        )


def submit(user: User, assessment: Assessment, comment: str = "", declaration: DeclarationInput | None = None) -> Event:
    """Send the assessment to the reviewers (from draft or returned), with the declaration signed if given.

    The declaration (InvalidDeclaration when incomplete) is recorded in the same transaction as the submission.
    """
    require_submit(user, assessment)
    text = _comment(comment)
    signed = check_declaration(declaration) if declaration is not None else None
    return _transition(user, assessment, "submitted", (Status.DRAFT, Status.RETURNED), Status.SUBMITTED, text, signed)


def return_assessment(user: User, assessment: Assessment, comment: str) -> Event:
    """Send a submitted assessment back to the country, saying why."""
    require_review(user, assessment)
    text = _comment(comment)
    if not text:
        raise InvalidAnswer(
            _("Say what the country should look at again: returning needs a comment."),
            errors={"comment": _("A comment is required to return an assessment.")},
        )
    return _transition(user, assessment, "returned", (Status.SUBMITTED,), Status.RETURNED, text)


def accept(user: User, assessment: Assessment, comment: str = "") -> Event:
    """Accept a submitted assessment; this is final."""
    require_review(user, assessment)
    return _transition(user, assessment, "accepted", (Status.SUBMITTED,), Status.ACCEPTED, _comment(comment))


def require_review(user: User, assessment: Assessment) -> None:
    """The checks of a return or an acceptance, made before anything is validated or written."""
    if not can_view(user, assessment):
        raise NotFound(_("No such assessment."))
    if not user.is_reviewer:
        raise Forbidden(_("Only reviewers can return or accept an assessment."))
    if not assessment.cycle.is_open:
        raise CycleClosed(_("Cycle %(code)s is closed.", code=assessment.cycle.code))
    if not can_review(user, assessment):
        raise InvalidTransition(
            _(
                "The assessment is %(status)s; only a submitted assessment can be reviewed.",
                status=status_word(assessment.status),
            )
        )


def _comment(text: str | None) -> str:
    cleaned = clean_text(text)
    if len(cleaned) > MAX_COMMENT:
        message = _("Keep the comment under %(max)s characters.", max=f"{MAX_COMMENT:,}")
        raise CommentTooLong(message, errors={"comment": message})
    return cleaned


def check_comment(body: str | None) -> str:
    """Return a comment's text cleaned, or raise InvalidAnswer saying why it cannot be sent."""
    text = _comment(body)
    if not text:
        raise EmptyComment(
            _("Write something before sending the comment."), errors={"body": _("The comment is empty.")}
        )
    return text


def events(assessment: Assessment) -> list[Event]:
    """Return the lifecycle events, oldest first."""
    return list(
        db.session.scalars(select(Event).where(Event.assessment_id == assessment.id).order_by(Event.at, Event.id))
    )


# --------------------------------------------------------------------------
# Comments on items
# --------------------------------------------------------------------------


def add_comment(user: User, assessment: Assessment, item: str, body: str) -> Comment:
    """Add a message to an item's thread."""
    if not can_view_item(user, assessment, item):
        raise NotFound(_("No such assessment."))
    if item not in catalogue_for(assessment.cycle).item_by_id:
        raise NotFound(_("There is no checklist item '%(item)s' in this cycle.", item=item))
    if not can_comment_on(user, assessment, [item]):
        raise InvalidTransition(_("Comments are closed for this assessment."))
    text = check_comment(body)
    now = utcnow()
    comment = Comment(assessment_id=assessment.id, item_id=item, user_id=user.id, body=text, at=now)
    db.session.add(comment)
    # A new message opens a thread marked resolved again (services/threads.py).
    db.session.execute(
        delete(ThreadResolution).where(
            ThreadResolution.assessment_id == assessment.id, ThreadResolution.item_id == item
        )
    )
    bump_version(assessment, now)  # a comment changes what the assessment's pages show
    notifications.on_comment(user, assessment, item, text)  # sent once this commits
    db.session.commit()
    return comment


def comments_of(assessment: Assessment) -> dict[str, list[Comment]]:
    """Return every item's thread, oldest message first."""
    threads: dict[str, list[Comment]] = {}
    rows = db.session.scalars(
        select(Comment).where(Comment.assessment_id == assessment.id).order_by(Comment.at, Comment.id)
    )
    for comment in rows:
        threads.setdefault(comment.item_id, []).append(comment)
    return threads


# --------------------------------------------------------------------------
# Progress
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class SectionProgress:
    id: str
    title: str
    answered: int
    total: int
    first_unanswered: str | None

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 100

    @property
    def complete(self) -> bool:
        return self.answered == self.total


def progress(
    assessment: Assessment, answers: dict[str, Answer] | None = None, only: frozenset[str] | None = None
) -> list[SectionProgress]:
    """Return how many items of each section have a rating (`only` those items, and their sections, if given)."""
    catalogue = catalogue_for(assessment.cycle)
    if answers is not None:
        rated = {item for item, a in answers.items() if a.rating}
    else:
        rated = rated_items(assessment)
    out = []
    for section in catalogue.sections:
        items = catalogue.items_in(section.id)
        if only is not None:
            items = tuple(i for i in items if i.id in only)
            if not items:
                continue
        missing = [i.id for i in items if i.id not in rated]
        out.append(
            SectionProgress(
                section.id, section.title, len(items) - len(missing), len(items), missing[0] if missing else None
            )
        )
    return out


class OwnAssessment(NamedTuple):
    """A cycle as a country's respondent sees it on their start page."""

    cycle: Cycle
    assessment: Assessment | None
    progress: list[SectionProgress] | None


def own_assessments(user: User, cycles: list[Cycle]) -> list[OwnAssessment]:
    """Return, cycle by cycle, the user's country's assessment and its progress (None before it starts)."""
    rows = []
    for cycle in cycles:
        assessment = find_assessment(cycle.code, user.country_iso3 or "")
        rows.append(OwnAssessment(cycle, assessment, progress(assessment) if assessment else None))
    return rows
