"""Who may see and do what: the rules of PRODUCT.md, "People and roles".

A respondent belongs to one country and sees only its assessments.  Reviewers
and admins see an assessment once it has been submitted; a draft is private to
its country.  Anything a user may not see is reported as not found, so that the
existence of another country's draft is never revealed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import contains_eager, defer, lazyload

from ..catalogue_store import catalogue_for
from ..db import db
from ..models import Assessment, Assignment, Country, Cycle, Role, Status, User
from .errors import CycleClosed, Forbidden, InvalidTransition, NotFound

REVIEWABLE = (Status.SUBMITTED, Status.RETURNED, Status.ACCEPTED)


def status_word(status: str) -> str:
    """Return an assessment's status as a word of the reader's language, for messages."""
    words = {"draft": _("a draft"), "submitted": _("submitted"), "returned": _("returned"), "accepted": _("accepted")}
    return words.get(str(status), str(status))


EDITABLE = (Status.DRAFT, Status.RETURNED)


def can_view(user: User, assessment: Assessment) -> bool:
    """Tell whether the user may read this assessment."""
    if user.role == Role.RESPONDENT:
        return user.country_iso3 == assessment.country_iso3
    if user.role in (Role.REVIEWER, Role.ADMIN):
        return assessment.status in REVIEWABLE
    return False


def can_edit(user: User, assessment: Assessment) -> bool:
    """Tell whether the user may change the answers now."""
    return (
        user.role == Role.RESPONDENT
        and user.country_iso3 == assessment.country_iso3
        and assessment.status in EDITABLE
        and assessment.cycle.is_open
    )


def can_review(user: User, assessment: Assessment) -> bool:
    """Tell whether the user may return or accept the assessment now."""
    return user.is_reviewer and assessment.status == Status.SUBMITTED and assessment.cycle.is_open


def can_comment(user: User, assessment: Assessment) -> bool:
    """Tell whether the user may write in the item threads."""
    if not can_view(user, assessment) or assessment.status == Status.ACCEPTED:
        return False
    return assessment.cycle.is_open


# --------------------------------------------------------------------------
# Contributors: only what a focal point assigned them
# --------------------------------------------------------------------------
#
# A contributor is not allowed to see the assessment as a whole: `can_view` says
# no, so every page and API operation about the whole assessment (overview,
# scores, report, history, workbook, exports) answers "not found".  Only the
# entry points below let a contributor in, item by item.


def assigned_items(user: User, assessment: Assessment) -> frozenset[str]:
    """Return the items of the assessment assigned to a contributor of its country (empty for anyone else)."""
    if user.role != Role.CONTRIBUTOR or user.country_iso3 != assessment.country_iso3:
        return frozenset()
    rows = db.session.execute(
        select(Assignment.section_id, Assignment.item_id).where(
            Assignment.assessment_id == assessment.id, Assignment.user_id == user.id
        )
    ).all()
    if not rows:
        return frozenset()
    catalogue = catalogue_for(assessment.cycle, "en")
    items: set[str] = set()
    for section_id, item_id in rows:
        if item_id:
            if item_id in catalogue.item_by_id:
                items.add(item_id)
        elif section_id in catalogue.section_by_id:
            items.update(i.id for i in catalogue.items_in(section_id))
    return frozenset(items)


def can_view_item(user: User, assessment: Assessment, item: str) -> bool:
    """Tell whether the user may read one item's answer, its thread and its evidence."""
    return can_view(user, assessment) or item in assigned_items(user, assessment)


def can_edit_item(user: User, assessment: Assessment, item: str) -> bool:
    """Tell whether the user may change one item's answer now (a focal point, or a contributor it is assigned to)."""
    if can_edit(user, assessment):
        return True
    return (
        user.role == Role.CONTRIBUTOR
        and assessment.status in EDITABLE
        and assessment.cycle.is_open
        and item in assigned_items(user, assessment)
    )


def can_comment_on(user: User, assessment: Assessment, items: Iterable[str]) -> bool:
    """Tell whether the user may write in these items' threads (a contributor: only on items assigned to them)."""
    if user.role != Role.CONTRIBUTOR:
        return can_comment(user, assessment)
    wanted = set(items)
    return (
        bool(wanted)
        and wanted <= assigned_items(user, assessment)
        and assessment.status != Status.ACCEPTED
        and assessment.cycle.is_open
    )


def in_team(user: User, assessment: Assessment) -> bool:
    """Tell whether the user belongs to the country's own team (focal point or contributor): who sees internal work."""
    return user.role in (Role.RESPONDENT, Role.CONTRIBUTOR) and user.country_iso3 == assessment.country_iso3


def require_edit(user: User, assessment: Assessment, items: Iterable[str] | None = None) -> None:
    """Raise unless the user may change the answers now (a contributor: only `items`, all assigned to them)."""
    if user.role == Role.CONTRIBUTOR:
        wanted = set(items) if items is not None else None
        if not wanted or not wanted <= assigned_items(user, assessment):
            raise NotFound(_("No such assessment."))
    elif not can_view(user, assessment):
        raise NotFound(_("No such assessment."))
    if not assessment.cycle.is_open:
        raise CycleClosed(_("Cycle %(code)s is closed; its answers can no longer change.", code=assessment.cycle.code))
    if user.role not in (Role.RESPONDENT, Role.CONTRIBUTOR):
        raise Forbidden(_("Only the country's respondents can change its answers."))
    if assessment.status not in EDITABLE:
        raise InvalidTransition(
            _(
                "The assessment is %(status)s; answers can change only while it is a draft or returned.",
                status=status_word(assessment.status),
            )
        )


def require_operator_edit(assessment: Assessment) -> None:
    """Raise unless the operator (command line) may change the answers now."""
    if not assessment.cycle.is_open:
        raise CycleClosed(_("Cycle %(code)s is closed; its answers can no longer change.", code=assessment.cycle.code))
    if assessment.status not in EDITABLE:
        raise InvalidTransition(
            _(
                "The assessment is %(status)s; answers can change only while it is a draft or returned.",
                status=status_word(assessment.status),
            )
        )


CYCLE_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")


def find_cycle(code: str) -> Cycle:
    """Return the cycle with this code, or raise NotFound."""
    # Codes that cannot exist are answered without asking the database (a NUL byte,
    # for one, is an error in PostgreSQL rather than a miss).
    cycle = db.session.scalar(select(Cycle).where(Cycle.code == code)) if CYCLE_CODE.match(code) else None
    if cycle is None:
        raise NotFound(_("There is no cycle '%(code)s'.", code=code))
    return cycle


def find_country(iso3: str) -> Country:
    """Return the country with this ISO 3166-1 alpha-3 code (any letter case)."""
    country = db.session.get(Country, iso3.upper()) if len(iso3) == 3 and iso3.isascii() and iso3.isalpha() else None
    if country is None:
        raise NotFound(_("There is no country '%(iso3)s'.", iso3=iso3))
    return country


def find_assessment(cycle_code: str, iso3: str) -> Assessment | None:
    """Return the assessment of a country in a cycle, if it exists (no permission check)."""
    if not CYCLE_CODE.match(cycle_code) or not (len(iso3) == 3 and iso3.isascii() and iso3.isalpha()):
        return None
    return db.session.scalar(_ASSESSMENT, {"cycle": cycle_code, "iso3": iso3.upper()})


def assessment_statement() -> Select[Assessment]:
    """A country's assessment in a cycle, with its cycle; the country and the stored scores are read
    only where a page shows them."""
    return (
        select(Assessment)
        .join(Assessment.cycle)
        .where(Cycle.code == bindparam("cycle"), Assessment.country_iso3 == bindparam("iso3"))
        .options(contains_eager(Assessment.cycle), lazyload(Assessment.country), defer(Assessment.scores))
    )


# Speed: run on every questionnaire request, so built once: building it and its cache key each time
# costs about 0.25 ms, a sixth of a cached section page (`benchmarks/machinery.py`, 2026-12-03).
_ASSESSMENT = assessment_statement()


def assessment_of(cycle_code: str, iso3: str) -> Assessment:
    """Return a country's assessment in a cycle for the operator; NotFound saying what is missing."""
    find_cycle(cycle_code)
    country = find_country(iso3)
    assessment = find_assessment(cycle_code, country.iso3)
    if assessment is None:
        raise NotFound(f"{country.iso3} has no assessment in cycle {cycle_code}")
    return assessment


def assessment_for(user: User, cycle_code: str, iso3: str) -> Assessment:
    """Return the assessment if the user may see it; NotFound otherwise."""
    assessment = find_assessment(cycle_code, iso3)
    if assessment is None or not can_view(user, assessment):
        raise NotFound(_("No such assessment."))
    return assessment


def visible_assessments(
    user: User | None,
    cycle: Cycle,
    statuses: Iterable[str] = REVIEWABLE,
    with_scores: bool = False,
) -> list[Assessment]:
    """Return the assessments of a cycle the user may see, by country code.

    The one answer to "which assessments of this cycle may this user see", asked
    by the review queue, the comparison, the exports, the reports and the meeting
    pack.  A respondent sees their own country's, whatever its state; reviewers,
    admins and the operator (`user=None`: the command line, a published mean)
    see those that reached the reviewers, narrowed to `statuses`.  The stored
    scores (a large JSON document each) are loaded only `with_scores`;
    `scores_of_many` otherwise loads them in one query when needed.
    """
    query = select(Assessment).where(Assessment.cycle_id == cycle.id)
    if not with_scores:
        query = query.options(defer(Assessment.scores))
    if user is not None and user.role == Role.RESPONDENT:
        query = query.where(Assessment.country_iso3 == user.country_iso3)
    elif user is None or user.is_reviewer:
        query = query.where(Assessment.status.in_([str(s) for s in statuses if s in REVIEWABLE]))
    else:
        return []
    return list(db.session.scalars(query.order_by(Assessment.country_iso3)))


def list_cycles() -> list[Cycle]:
    """Return every cycle, newest first."""
    return list(db.session.scalars(select(Cycle).order_by(Cycle.opened_at.desc(), Cycle.code.desc())))


def previous_cycle(cycle: Cycle) -> Cycle | None:
    """Return the cycle opened before this one, if any."""
    return db.session.scalar(
        select(Cycle).where(Cycle.opened_at < cycle.opened_at).order_by(Cycle.opened_at.desc()).limit(1)
    )


def count_users() -> int:
    """Return how many accounts exist."""
    return int(db.session.scalar(select(func.count()).select_from(User)) or 0)
