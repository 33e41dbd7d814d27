"""A country's team: contributors invited by a focal point, what they are assigned, the internal review of sections.

A focal point (role respondent) invites colleagues of other agencies of the
same country as contributors and assigns them sections, or single items, of the
country's assessment.  A contributor marks a section ready; the focal point
approves it or sends it back with a note.  All of this is internal to the
country: reviewers never see assignments, states or notes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import delete, select

from .. import auth
from ..catalogue_store import catalogue_for
from ..db import db
from ..models import Answer, Assessment, Assignment, Role, SectionReview, SectionState, User, utcnow
from . import notifications
from .access import EDITABLE, assigned_items, can_edit, status_word
from .accounts import Invitation, send_invitation, unusable_password
from .answers import bump_version, clean_text
from .errors import Forbidden, InvalidAnswer, InvalidTransition, NotFound

MAX_NOTE = 2_000


# --------------------------------------------------------------------------
# Who may do what
# --------------------------------------------------------------------------


def is_focal_point(user: User, assessment: Assessment) -> bool:
    """Tell whether the user leads the country's questionnaire (a respondent of its country)."""
    return user.role == Role.RESPONDENT and user.country_iso3 == assessment.country_iso3


def require_focal_point(user: User, assessment: Assessment) -> None:
    """Raise unless the user is a focal point of the assessment's country (others learn nothing: not found)."""
    if not is_focal_point(user, assessment):
        raise NotFound(_("No such assessment."))


def _require_open(assessment: Assessment) -> None:
    if not assessment.cycle.is_open or assessment.status not in EDITABLE:
        raise InvalidTransition(
            _(
                "The assessment is %(status)s: its team's work can change only while it is a draft or returned "
                "and the cycle is open.",
                status=status_word(assessment.status),
            )
        )


# --------------------------------------------------------------------------
# Invitations: the link that sets the password is services.accounts'
# --------------------------------------------------------------------------


def invite_contributor(focal: User, assessment: Assessment, email: str, name: str = "") -> Invitation:
    """Create (or find) a contributor of the focal point's country and e-mail them an invitation.

    An address that belongs to any other account is refused with the same words
    whatever that account is, so the form reveals nothing about other countries.
    """
    require_focal_point(focal, assessment)
    address = auth.normalise_email(email)
    existing = auth.find_user(address)
    if existing is not None:
        if existing.role == Role.CONTRIBUTOR and existing.country_iso3 == assessment.country_iso3:
            if existing.invitation_accepted_at is not None:
                return Invitation(user=existing, link="", emailed=False)
            return send_invitation(existing, focal)
        raise InvalidAnswer(
            _("%(email)s cannot be invited as a contributor of your country.", email=address),
            errors={"email": _("This address cannot be invited as a contributor of your country.")},
        )
    try:
        user = auth.create_user(
            address,
            unusable_password(),  # the invitation sets the password
            Role.CONTRIBUTOR,
            assessment.country_iso3,
            name=clean_text(name)[:200],
        )
    except auth.AccountError as error:
        raise InvalidAnswer(str(error), errors={error.field or "email": str(error)}) from None
    return send_invitation(user, focal)


def contributors_of(country_iso3: str) -> list[User]:
    """Return the country's contributors, by e-mail address."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.role == Role.CONTRIBUTOR, User.country_iso3 == country_iso3, User.active.is_(True))
            .order_by(User.email)
        )
    )


# --------------------------------------------------------------------------
# Assignments
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class AssignedWork:
    """One contributor's assignments in an assessment, and how far they are."""

    user: User
    sections: tuple[str, ...]  # whole sections, in catalogue order
    items: tuple[str, ...]  # single items outside those sections, in catalogue order
    answered: int
    total: int
    rows: tuple[tuple[int, str, str], ...] = ()  # (assignment id, section id, item id or "")


def assign(focal: User, assessment: Assessment, contributor: User, section: str, item: str = "") -> Assignment:
    """Give a contributor a section (or one item of it) of the assessment; assigning twice does nothing."""
    require_focal_point(focal, assessment)
    _require_open(assessment)
    if contributor.role != Role.CONTRIBUTOR or contributor.country_iso3 != assessment.country_iso3:
        raise InvalidAnswer(
            _("Choose a contributor of your country."), errors={"contributor": _("Choose a contributor.")}
        )
    catalogue = catalogue_for(assessment.cycle)
    if section not in catalogue.section_by_id:
        raise InvalidAnswer(_("Choose a section."), errors={"section": _("Choose a section.")})
    if item and (item not in catalogue.item_by_id or catalogue.item_by_id[item].section != section):
        raise InvalidAnswer(
            _("Item %(item)s is not in that section.", item=item), errors={"item": _("Choose an item of the section.")}
        )
    found = db.session.scalar(
        select(Assignment).where(
            Assignment.assessment_id == assessment.id,
            Assignment.user_id == contributor.id,
            Assignment.section_id == section,
            Assignment.item_id == item,
        )
    )
    if found is not None:
        return found
    assignment = Assignment(
        assessment_id=assessment.id, user_id=contributor.id, section_id=section, item_id=item, assigned_by_id=focal.id
    )
    db.session.add(assignment)
    bump_version(assessment, utcnow())  # what a contributor's pages show changed
    notifications.on_assigned(focal, assessment, contributor, section, item)  # sent once this commits
    db.session.commit()
    return assignment


def unassign(focal: User, assessment: Assessment, assignment_id: int) -> None:
    """Take an assignment back."""
    require_focal_point(focal, assessment)
    _require_open(assessment)
    found = db.session.get(Assignment, assignment_id)
    if found is None or found.assessment_id != assessment.id:
        raise NotFound(_("No such assignment."))
    db.session.delete(found)
    bump_version(assessment, utcnow())
    db.session.commit()


def set_assignments(focal: User, assessment: Assessment, wanted: Mapping[str, Sequence[str]]) -> None:
    """Replace the section assignments with `{section: [e-mail, …]}` (the API's PUT); all or nothing.

    Single-item assignments are kept as they are.
    """
    require_focal_point(focal, assessment)
    _require_open(assessment)
    catalogue = catalogue_for(assessment.cycle)
    errors: dict[str, str] = {}
    people = {u.email: u for u in contributors_of(assessment.country_iso3)}
    rows: list[tuple[str, User]] = []
    for section, emails in wanted.items():
        if section not in catalogue.section_by_id:
            errors[section] = _("There is no section '%(section)s' in this cycle.", section=section)
            continue
        for email in dict.fromkeys(auth.normalise_email(e) for e in emails):
            user = people.get(email)
            if user is None:
                errors[section] = _("%(email)s is not a contributor of your country: invite them first.", email=email)
                break
            rows.append((section, user))
    if errors:
        raise InvalidAnswer(_("The assignments need correcting; nothing was changed."), errors=errors)
    db.session.execute(delete(Assignment).where(Assignment.assessment_id == assessment.id, Assignment.item_id == ""))
    for section, user in rows:
        db.session.add(
            Assignment(
                assessment_id=assessment.id, user_id=user.id, section_id=section, item_id="", assigned_by_id=focal.id
            )
        )
    bump_version(assessment, utcnow())
    db.session.commit()


def section_assignments(assessment: Assessment) -> dict[str, list[str]]:
    """Return `{section: [e-mail, …]}` for every section of the edition (the API's GET)."""
    catalogue = catalogue_for(assessment.cycle)
    out: dict[str, list[str]] = {s.id: [] for s in catalogue.sections}
    rows = db.session.execute(
        select(Assignment.section_id, User.email)
        .join(User, User.id == Assignment.user_id)
        .where(Assignment.assessment_id == assessment.id, Assignment.item_id == "")
        .order_by(User.email)
    )
    for section, email in rows:
        if section in out:
            out[section].append(email)
    return out


def team_of(assessment: Assessment) -> list[AssignedWork]:
    """Return each contributor assigned something in the assessment, with their progress."""
    catalogue = catalogue_for(assessment.cycle)
    order = {item.id: n for n, item in enumerate(catalogue.items)}
    section_order = {s.id: n for n, s in enumerate(catalogue.sections)}
    rated = set(
        db.session.scalars(
            select(Answer.item_id).where(Answer.assessment_id == assessment.id, Answer.rating.is_not(None))
        )
    )
    by_user: dict[int, tuple[User, set[str], set[str]]] = {}
    rows: dict[int, list[tuple[int, str, str]]] = {}
    for assignment in db.session.scalars(
        select(Assignment).where(Assignment.assessment_id == assessment.id).order_by(Assignment.id)
    ):
        _user, sections, items = by_user.setdefault(assignment.user_id, (assignment.user, set(), set()))
        rows.setdefault(assignment.user_id, []).append((assignment.id, assignment.section_id, assignment.item_id))
        if assignment.item_id:
            items.add(assignment.item_id)
        else:
            sections.add(assignment.section_id)
    out = []
    for user, sections, items in by_user.values():
        every = {i.id for s in sections if s in catalogue.section_by_id for i in catalogue.items_in(s)}
        every |= {i for i in items if i in order}
        out.append(
            AssignedWork(
                user=user,
                sections=tuple(sorted((s for s in sections if s in section_order), key=section_order.__getitem__)),
                items=tuple(sorted((i for i in items if i in order and i not in every - items), key=order.__getitem__)),
                answered=len(every & rated),
                total=len(every),
                rows=tuple(rows[user.id]),
            )
        )
    return sorted(out, key=lambda w: w.user.email)


@dataclass(frozen=True)
class MyWork:
    """What is assigned to a contributor in one assessment."""

    assessment: Assessment
    sections: tuple[tuple[str, str, int, int], ...]  # (section id, title, answered, total) of assigned items


def my_assignments(user: User) -> list[MyWork]:
    """Return, per assessment of the user's country, the sections holding items assigned to them."""
    if user.role != Role.CONTRIBUTOR:
        return []
    ids = set(db.session.scalars(select(Assignment.assessment_id).where(Assignment.user_id == user.id)))
    out = []
    for assessment in db.session.scalars(select(Assessment).where(Assessment.id.in_(ids))):
        if assessment.country_iso3 != user.country_iso3:
            continue
        items = assigned_items(user, assessment)
        catalogue = catalogue_for(assessment.cycle)
        rated = set(
            db.session.scalars(
                select(Answer.item_id).where(
                    Answer.assessment_id == assessment.id, Answer.rating.is_not(None), Answer.item_id.in_(items)
                )
            )
        )
        sections = []
        for section in catalogue.sections:
            mine = [i.id for i in catalogue.items_in(section.id) if i.id in items]
            if mine:
                sections.append((section.id, section.title, len(set(mine) & rated), len(mine)))
        out.append(MyWork(assessment, tuple(sections)))
    return sorted(out, key=lambda w: w.assessment.cycle.opened_at, reverse=True)


# --------------------------------------------------------------------------
# The internal review of sections
# --------------------------------------------------------------------------


def section_reviews(assessment: Assessment) -> dict[str, SectionReview]:
    """Return the internal review of each section that has one."""
    return {
        r.section_id: r
        for r in db.session.scalars(select(SectionReview).where(SectionReview.assessment_id == assessment.id))
    }


def _set_state(user: User, assessment: Assessment, section: str, state: str, note: str = "") -> SectionReview:
    if section not in catalogue_for(assessment.cycle).section_by_id:
        raise NotFound(_("There is no section '%(section)s' in this cycle.", section=section))
    review = db.session.scalar(
        select(SectionReview).where(SectionReview.assessment_id == assessment.id, SectionReview.section_id == section)
    )
    now = utcnow()
    if review is None:
        review = SectionReview(assessment_id=assessment.id, section_id=section)
        db.session.add(review)
    review.state = state
    review.note = note
    review.updated_by_id = user.id
    review.updated_at = now
    bump_version(assessment, now)
    db.session.commit()
    return review


def mark_ready(user: User, assessment: Assessment, section: str) -> SectionReview:
    """A contributor (or the focal point) says a section is ready for the focal point's approval."""
    catalogue = catalogue_for(assessment.cycle)
    mine = (
        {i.id for i in catalogue.items_in(section)} & assigned_items(user, assessment)
        if section in (catalogue.section_by_id)
        else set()
    )
    if not mine and not is_focal_point(user, assessment):
        raise NotFound(_("No such assessment."))
    _require_open(assessment)
    return _set_state(user, assessment, section, SectionState.READY)


def approve(focal: User, assessment: Assessment, section: str) -> SectionReview:
    """The focal point approves a section."""
    require_focal_point(focal, assessment)
    _require_open(assessment)
    return _set_state(focal, assessment, section, SectionState.APPROVED)


def send_back(focal: User, assessment: Assessment, section: str, note: str) -> SectionReview:
    """The focal point sends a section back to its contributors, saying what to look at."""
    require_focal_point(focal, assessment)
    _require_open(assessment)
    text = clean_text(note)
    if not text:
        raise InvalidAnswer(
            _("Say what to look at again: sending a section back needs a note."),
            errors={"note": _("Write a note.")},
        )
    if len(text) > MAX_NOTE:
        message = _("Keep the note under %(max)s characters.", max=f"{MAX_NOTE:,}")
        raise InvalidAnswer(message, errors={"note": message})
    if section in catalogue_for(assessment.cycle).section_by_id:
        notifications.on_sent_back(focal, assessment, section, text)  # committed with the state, sent after
    return _set_state(focal, assessment, section, SectionState.SENT_BACK, text)


def visible_items(user: User, assessment: Assessment, items: Iterable[str]) -> list[str]:
    """Return the items, of those given, the user may read (all of them for whoever may see the assessment)."""
    wanted = list(items)
    if user.role != Role.CONTRIBUTOR:
        return wanted
    mine = assigned_items(user, assessment)
    return [i for i in wanted if i in mine]


def require_contributor_section(user: User, assessment: Assessment, section: str) -> list[str]:
    """Return the contributor's items in a section, or raise NotFound when none is assigned to them."""
    catalogue = catalogue_for(assessment.cycle)
    if section not in catalogue.section_by_id:
        raise NotFound(_("No such assessment."))
    mine = visible_items(user, assessment, (i.id for i in catalogue.items_in(section)))
    if not mine:
        raise NotFound(_("No such assessment."))
    return mine


def can_manage(user: User, assessment: Assessment) -> bool:
    """Tell whether the user may invite, assign and approve (the focal point, while the assessment can change)."""
    return is_focal_point(user, assessment) and can_edit(user, assessment)


__all__ = [
    "AssignedWork",
    "Forbidden",
    "MyWork",
    "approve",
    "assign",
    "can_manage",
    "contributors_of",
    "invite_contributor",
    "is_focal_point",
    "mark_ready",
    "my_assignments",
    "section_assignments",
    "section_reviews",
    "send_back",
    "set_assignments",
    "team_of",
    "unassign",
    "visible_items",
]
