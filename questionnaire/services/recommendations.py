"""Reviewers' recommendations on obligations, and their follow-up from one cycle to the next.

Reviewers attach recommendations to obligations when they return or accept an
assessment (or later, while its cycle is open).  Each is followed up by the
country's *next* assessment: the one in the first later cycle it has one in, or
the one in the recommendation's target cycle.  Its status follows from that
assessment's answers (docs/api.md, "Recommendations"):

- `implemented`: every item assessing the obligation is rated at the top of the
  scale (`full`), or the obligation scores 100;
- `progress`: the obligation's score rose since the assessment the
  recommendation was made on;
- `no_progress`: it did not;
- `pending`: there is no later answer yet.

A draft is private to its country: the follow-up seen by reviewers, admins and
the operator comes only from later assessments that reached the reviewers
(submitted, returned, accepted); the country's own respondents also see it from
their own draft.  Whether a later draft exists never changes what reviewers see.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import event as orm_event
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..catalogue import Catalogue, Instrument, Obligation
from ..catalogue_store import catalogue_for
from ..db import db
from ..models import (
    Assessment,
    Cycle,
    Event,
    Priority,
    Recommendation,
    RecommendationComment,
    Role,
    User,
    utcnow,
)
from . import lifecycle
from .access import REVIEWABLE, can_view
from .answers import bump_version, clean_text
from .errors import CycleClosed, Forbidden, InvalidAnswer, NotFound
from .lifecycle import MAX_COMMENT, check_comment, require_review
from .scores import scores_of_many

#: The longest recommendation kept (as long as a comment).
MAX_TEXT = MAX_COMMENT
#: The most recommendations one return or acceptance may carry.
MAX_PER_STEP = 30
PRIORITIES: tuple[str, ...] = tuple(p.value for p in Priority)
FIELDS = ("obligation", "text", "priority", "target_cycle")


class FollowUp(enum.StrEnum):
    """Where a recommendation stands, judged by the country's next assessment."""

    IMPLEMENTED = "implemented"
    PROGRESS = "progress"
    NO_PROGRESS = "no_progress"
    PENDING = "pending"


STATUSES: tuple[str, ...] = tuple(s.value for s in FollowUp)


def status_label(status: str) -> str:
    """Return a follow-up status in the reader's language."""
    labels = {
        FollowUp.IMPLEMENTED: _("Implemented"),
        FollowUp.PROGRESS: _("Progress"),
        FollowUp.NO_PROGRESS: _("No progress"),
        FollowUp.PENDING: _("Pending"),
    }
    return labels.get(FollowUp(status), status) if status in STATUSES else status


def priority_label(priority: str) -> str:
    """Return a priority in the reader's language."""
    labels = {Priority.HIGH: _("High"), Priority.MEDIUM: _("Medium"), Priority.LOW: _("Low")}
    return labels.get(Priority(priority), priority) if priority in PRIORITIES else priority


# --------------------------------------------------------------------------
# Input and its checks
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class RecommendationInput:
    """A recommendation as typed: an obligation id, the text, a priority and a target cycle ("" = the next)."""

    obligation: str = ""
    text: str = ""
    priority: str = Priority.MEDIUM.value
    target_cycle: str = ""

    @property
    def blank(self) -> bool:
        """Tell whether nothing was typed (an unused row of a form)."""
        return not (self.obligation or "").strip() and not clean_text(self.text)


class InvalidRecommendation(InvalidAnswer):
    """Recommendations break a rule; nothing was saved.

    `problems` maps each recommendation's position to {field: message}; `errors`
    (as for every InvalidAnswer) names each field by its path, such as
    `recommendations[1].text`, with `comment` for the step's comment.
    """

    def __init__(self, message: str, errors: dict[str, str], problems: dict[int, dict[str, str]]):
        super().__init__(message, errors=errors)
        self.problems = problems


def cycles_in_order() -> list[Cycle]:
    """Return every cycle, oldest first (by opening, as `previous_cycle` orders them)."""
    return list(db.session.scalars(select(Cycle).order_by(Cycle.opened_at, Cycle.id)))


def later_cycles(cycle: Cycle) -> list[Cycle]:
    """Return the cycles opened after this one, oldest first: the possible target cycles."""
    ordered = cycles_in_order()
    ids = [c.id for c in ordered]
    return ordered[ids.index(cycle.id) + 1 :] if cycle.id in ids else []


def scored_obligations(catalogue: Catalogue) -> tuple[Obligation, ...]:
    """Return the obligations a recommendation may be about: those assessed against countries."""
    return catalogue.scored_obligations


def check_recommendations(
    assessment: Assessment, inputs: Sequence[RecommendationInput]
) -> tuple[list[RecommendationInput], dict[int, dict[str, str]]]:
    """Return the recommendations cleaned, and the problems of each ({position: {field: message}})."""
    catalogue = catalogue_for(assessment.cycle)
    targets = {c.code for c in later_cycles(assessment.cycle)}
    cleaned: list[RecommendationInput] = []
    problems: dict[int, dict[str, str]] = {}
    for index, given in enumerate(inputs):
        found: dict[str, str] = {}
        obligation_id = (given.obligation or "").strip()
        obligation = catalogue.obligation_by_id.get(obligation_id)
        if not obligation_id:
            found["obligation"] = _("Choose the obligation the recommendation is about.")
        elif obligation is None:
            found["obligation"] = _(
                "There is no obligation “%(id)s” in this cycle's catalogue edition.", id=obligation_id[:80]
            )
        elif not obligation.scored:
            found["obligation"] = _(
                "Obligation %(id)s is addressed to an international body and is not assessed against "
                "countries: choose an obligation that is scored.",
                id=obligation_id,
            )
        text = clean_text(given.text)
        if not text:
            found["text"] = _("Write the recommendation.")
        elif len(text) > MAX_TEXT:
            found["text"] = _("Keep the recommendation under %(max)s characters.", max=f"{MAX_TEXT:,}")
        priority = (given.priority or "").strip()
        if priority not in PRIORITIES:
            found["priority"] = _(
                "Choose one of the priorities: %(choices)s.", choices=", ".join(priority_label(p) for p in PRIORITIES)
            )
        target = (given.target_cycle or "").strip()
        if target and target not in targets:
            found["target_cycle"] = _(
                "Choose the next cycle, or a cycle opened after %(cycle)s.", cycle=assessment.cycle.code
            )
        if found:
            problems[index] = found
        else:
            cleaned.append(RecommendationInput(obligation_id, text, priority, target))
    return cleaned, problems


def field_path(index: int, name: str) -> str:
    """Name a field of one recommendation of a list, as the API does: `recommendations[1].text`."""
    return f"recommendations[{index}].{name}"


def _refused(problems: dict[int, dict[str, str]], comment_problem: str | None = None) -> InvalidRecommendation:
    errors = {field_path(i, name): message for i, fields in problems.items() for name, message in fields.items()}
    if comment_problem:
        errors = {"comment": comment_problem, **errors}
    if problems:
        message = ngettext(
            "%(num)d recommendation needs correcting; nothing was saved.",
            "%(num)d recommendations need correcting; nothing was saved.",
            len(problems),
        )
    else:
        message = comment_problem or _("Nothing was saved.")
    return InvalidRecommendation(message, errors, problems)


def _comment_problem(comment: str | None, required: bool) -> str | None:
    """Say what is wrong with a return's or an acceptance's comment, as `lifecycle` would."""
    text = clean_text(comment)
    if required and not text:
        return _("A comment is required to return an assessment.")
    if len(text) > MAX_COMMENT:
        return _("Keep the comment under %(max)s characters.", max=f"{MAX_COMMENT:,}")
    return None


def require_reviewer(user: User, assessment: Assessment) -> None:
    """Refuse anyone but a reviewer or admin who may see the assessment (404 for those who may not)."""
    if not can_view(user, assessment):
        raise NotFound(_("No such assessment."))
    if not user.is_reviewer:
        raise Forbidden(_("Only reviewers can make recommendations."))


# --------------------------------------------------------------------------
# Making recommendations
# --------------------------------------------------------------------------


def _records(user: User, assessment: Assessment, cleaned: Iterable[RecommendationInput]) -> list[Recommendation]:
    now = utcnow()
    return [
        Recommendation(
            assessment_id=assessment.id,
            obligation_id=r.obligation,
            text=r.text,
            priority=r.priority,
            target_cycle=r.target_cycle,
            created_by_id=user.id,
            created_at=now,
        )
        for r in cleaned
    ]


def _touch_later_assessments(assessment: Assessment) -> None:
    """Move on the version of the country's later assessments: their pages show earlier recommendations."""
    later = {c.id for c in later_cycles(assessment.cycle)}
    if not later:
        return
    now = utcnow()
    rows = db.session.scalars(
        select(Assessment).where(Assessment.country_iso3 == assessment.country_iso3, Assessment.cycle_id.in_(later))
    )
    for row in rows:
        bump_version(row, now)


@contextmanager
def _linked_to_step(session: Session, assessment_id: int, records: list[Recommendation]) -> Iterator[None]:
    """Give the recommendations the id of the return or acceptance flushed with them, in the same commit."""
    steps: list[int] = []

    def after_flush(flushed: Session, context: Any) -> None:
        steps.extend(
            o.id
            for o in flushed.new
            if isinstance(o, Event) and o.assessment_id == assessment_id and o.action in ("returned", "accepted")
        )

    def after_flush_postexec(flushed: Session, context: Any) -> None:
        # Changed here, they are flushed again before the same COMMIT (Session.commit flushes until clean).
        if steps:
            for record in records:
                if record.event_id is None:
                    record.event_id = steps[-1]

    orm_event.listen(session, "after_flush", after_flush)
    orm_event.listen(session, "after_flush_postexec", after_flush_postexec)
    try:
        yield
    finally:
        orm_event.remove(session, "after_flush", after_flush)
        orm_event.remove(session, "after_flush_postexec", after_flush_postexec)


@dataclass(frozen=True)
class StepOutcome:
    """A return or an acceptance, and the recommendations made with it."""

    event: Event
    recommendations: list[Recommendation]


def _step_with(
    user: User,
    assessment: Assessment,
    comment: str,
    inputs: Sequence[RecommendationInput],
    required_comment: bool,
    step: Callable[[User, Assessment, str], Event],
) -> StepOutcome:
    require_review(user, assessment)
    given = list(inputs)
    if not given:
        return StepOutcome(step(user, assessment, comment), [])
    if len(given) > MAX_PER_STEP:
        message = _("Make at most %(max)d recommendations at once.", max=MAX_PER_STEP)
        raise InvalidRecommendation(message, {"recommendations": message}, {})
    cleaned, problems = check_recommendations(assessment, given)
    comment_problem = _comment_problem(comment, required_comment)
    if problems or comment_problem:
        raise _refused(problems, comment_problem)
    records = _records(user, assessment, cleaned)
    session = db.session()
    with _linked_to_step(session, assessment.id, records):
        session.add_all(records)
        try:
            _touch_later_assessments(assessment)
            event = step(user, assessment, comment)  # commits the step, the recommendations and the link
        except BaseException:
            session.rollback()  # nothing half-saved
            raise
    return StepOutcome(event, records)


def return_assessment(
    user: User, assessment: Assessment, comment: str, recommendations: Sequence[RecommendationInput] = ()
) -> StepOutcome:
    """Return a submitted assessment with a comment and any recommendations, all in one transaction."""
    return _step_with(user, assessment, comment, recommendations, True, lifecycle.return_assessment)


def accept(
    user: User, assessment: Assessment, comment: str = "", recommendations: Sequence[RecommendationInput] = ()
) -> StepOutcome:
    """Accept a submitted assessment with any recommendations, all in one transaction."""
    return _step_with(user, assessment, comment, recommendations, False, lifecycle.accept)


def add_recommendation(user: User, assessment: Assessment, given: RecommendationInput) -> Recommendation:
    """Add one recommendation to an assessment that reached the reviewers, while its cycle is open.

    For a recommendation made after the return or acceptance (the API's POST).
    Errors name the fields plainly (`text`, not `recommendations[0].text`).
    """
    require_reviewer(user, assessment)
    if not assessment.cycle.is_open:
        raise CycleClosed(_("Cycle %(code)s is closed.", code=assessment.cycle.code))
    if assessment.status not in REVIEWABLE:  # never reached: reviewers do not see drafts
        raise NotFound(_("No such assessment."))
    cleaned, problems = check_recommendations(assessment, [given])
    if problems:
        raise InvalidRecommendation(_("The recommendation needs correcting; nothing was saved."), problems[0], problems)
    record = _records(user, assessment, cleaned)[0]
    db.session.add(record)
    now = utcnow()
    bump_version(assessment, now)
    _touch_later_assessments(assessment)
    db.session.commit()
    return record


# --------------------------------------------------------------------------
# Follow-up
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowedUp:
    """A recommendation with where it stands.

    `obligation` and `instrument` come from the edition of the cycle it was made
    in, in the reader's language (None if that edition no longer has them).
    `followed_up_in` is the assessment the status comes from, if any;
    `score_before` and `score_after` are the obligation's scores on the
    assessment it was made on and on that one.
    """

    recommendation: Recommendation
    made_in: Cycle
    obligation: Obligation | None
    instrument: Instrument | None
    status: str
    followed_up_in: Assessment | None
    score_before: float | None
    score_after: float | None
    comments: tuple[RecommendationComment, ...] = ()

    @property
    def id(self) -> int:
        return self.recommendation.id

    @property
    def country_iso3(self) -> str:
        return self.recommendation.assessment.country_iso3

    @property
    def country(self) -> Any:
        return self.recommendation.assessment.country

    @property
    def obligation_id(self) -> str:
        return self.recommendation.obligation_id

    @property
    def text(self) -> str:
        return self.recommendation.text

    @property
    def priority(self) -> str:
        return self.recommendation.priority

    @property
    def target_cycle(self) -> str:
        return self.recommendation.target_cycle

    @property
    def created_at(self) -> Any:
        return self.recommendation.created_at

    @property
    def author(self) -> str | None:
        user = self.recommendation.created_by
        return user.email if user is not None else None

    @property
    def followed_up_cycle(self) -> str | None:
        return self.followed_up_in.cycle.code if self.followed_up_in is not None else None

    @property
    def status_label(self) -> str:
        return status_label(self.status)

    @property
    def priority_label(self) -> str:
        return priority_label(self.priority)


def _sees_drafts_of(user: User | None, iso3: str) -> bool:
    """Tell whether the user is one of the country's own respondents (who may see its drafts)."""
    return user is not None and user.role == Role.RESPONDENT and user.country_iso3 == iso3


def _score_of(scores: Mapping[str, Any], obligation_id: str) -> float | None:
    for entry in scores.get("obligations", []):
        if entry.get("id") == obligation_id:
            value = entry.get("score")
            return float(value) if value is not None else None
    return None


def _status(
    recommendation: Recommendation,
    before: Mapping[str, Any],
    follow: Assessment | None,
    after: Mapping[str, Any] | None,
) -> tuple[str, float | None, float | None]:
    score_before = _score_of(before, recommendation.obligation_id)
    if follow is None or after is None:
        return FollowUp.PENDING, score_before, None
    catalogue = catalogue_for(follow.cycle)
    obligation = catalogue.obligation_by_id.get(recommendation.obligation_id)
    if obligation is None or not obligation.scored:
        return FollowUp.PENDING, score_before, None  # the later edition no longer assesses it
    score_after = _score_of(after, recommendation.obligation_id)
    values = [s.value for s in catalogue.scale if s.value is not None]
    top = {s.id for s in catalogue.scale if values and s.value == max(values)}
    ratings = {entry.get("id"): entry.get("rating") for entry in after.get("items", [])}
    if all(ratings.get(item) in top for item in obligation.items) or score_after == 100:
        return FollowUp.IMPLEMENTED, score_before, score_after
    if score_after is not None and score_after > (score_before or 0):
        return FollowUp.PROGRESS, score_before, score_after
    return FollowUp.NO_PROGRESS, score_before, score_after


def _follow_up(recommendations: Sequence[Recommendation], drafts_of: str | None) -> list[FollowedUp]:
    """Work out each recommendation's status; `drafts_of` names the country whose drafts may count."""
    if not recommendations:
        return []
    order = {c.id: n for n, c in enumerate(cycles_in_order())}
    countries = sorted({r.assessment.country_iso3 for r in recommendations})
    by_country: dict[str, list[Assessment]] = defaultdict(list)
    for found in db.session.scalars(select(Assessment).where(Assessment.country_iso3.in_(countries))):
        if found.status in REVIEWABLE or found.country_iso3 == drafts_of:
            by_country[found.country_iso3].append(found)
    for rows in by_country.values():
        rows.sort(key=lambda a: order.get(a.cycle_id, -1))

    follows: dict[int, Assessment | None] = {}
    for recommendation in recommendations:
        made_on = recommendation.assessment
        later = [a for a in by_country[made_on.country_iso3] if order.get(a.cycle_id, -1) > order[made_on.cycle_id]]
        if recommendation.target_cycle:
            follows[recommendation.id] = next((a for a in later if a.cycle.code == recommendation.target_cycle), None)
        else:
            follows[recommendation.id] = later[0] if later else None
    needed = {r.assessment.id: r.assessment for r in recommendations}
    needed.update({a.id: a for a in follows.values() if a is not None})
    scores = scores_of_many(list(needed.values()))

    result = []
    for recommendation in recommendations:
        made_in = recommendation.assessment.cycle
        catalogue = catalogue_for(made_in)
        obligation = catalogue.obligation_by_id.get(recommendation.obligation_id)
        follow = follows[recommendation.id]
        status, before, after = _status(
            recommendation,
            scores[recommendation.assessment.id],
            follow,
            scores[follow.id] if follow is not None else None,
        )
        result.append(
            FollowedUp(
                recommendation=recommendation,
                made_in=made_in,
                obligation=obligation,
                instrument=catalogue.instrument_by_id.get(obligation.instrument) if obligation else None,
                status=status,
                followed_up_in=follow,
                score_before=before,
                score_after=after,
            )
        )
    return result


def _recommendations_until(cycle: Cycle, iso3: str | None = None) -> list[Recommendation]:
    """Return the recommendations made in this cycle and the ones before it (of one country, or all)."""
    order = {c.id: n for n, c in enumerate(cycles_in_order())}
    query = (
        select(Recommendation)
        .join(Recommendation.assessment)
        .where(Assessment.status.in_([str(s) for s in REVIEWABLE]))
        .order_by(Recommendation.created_at, Recommendation.id)
    )
    if iso3 is not None:
        query = query.where(Assessment.country_iso3 == iso3)
    limit = order.get(cycle.id, -1)
    return [r for r in db.session.scalars(query) if order.get(r.assessment.cycle_id, len(order)) <= limit]


def _still_followed(cycle: Cycle, rows: list[FollowedUp]) -> list[FollowedUp]:
    """Leave out earlier recommendations already found implemented before this cycle."""
    order = {c.id: n for n, c in enumerate(cycles_in_order())}
    here = order.get(cycle.id, -1)
    return [
        r
        for r in rows
        if r.made_in.id == cycle.id
        or r.status != FollowUp.IMPLEMENTED
        or r.followed_up_in is None
        or order.get(r.followed_up_in.cycle_id, -1) >= here
    ]


def _with_comments(rows: list[FollowedUp]) -> list[FollowedUp]:
    if not rows:
        return rows
    threads: dict[int, list[RecommendationComment]] = defaultdict(list)
    query = (
        select(RecommendationComment)
        .where(RecommendationComment.recommendation_id.in_([r.id for r in rows]))
        .order_by(RecommendationComment.at, RecommendationComment.id)
    )
    for comment in db.session.scalars(query):
        threads[comment.recommendation_id].append(comment)
    return [
        FollowedUp(
            recommendation=r.recommendation,
            made_in=r.made_in,
            obligation=r.obligation,
            instrument=r.instrument,
            status=r.status,
            followed_up_in=r.followed_up_in,
            score_before=r.score_before,
            score_after=r.score_after,
            comments=tuple(threads.get(r.id, ())),
        )
        for r in rows
    ]


def for_country(user: User | None, assessment: Assessment, *, country_view: bool | None = None) -> list[FollowedUp]:
    """Return the recommendations of the assessment's cycle and the earlier ones still followed up, with comments.

    The caller has checked that the user may see the assessment.  The country's
    own respondents (or `country_view=True`, for the country's report) see the
    follow-up from their drafts; everyone else only from assessments that
    reached the reviewers.
    """
    own = _sees_drafts_of(user, assessment.country_iso3) if country_view is None else country_view
    rows = _follow_up(
        _recommendations_until(assessment.cycle, assessment.country_iso3),
        assessment.country_iso3 if own else None,
    )
    return _with_comments(_still_followed(assessment.cycle, rows))


def across_countries(cycle: Cycle, status: str = "", priority: str = "", country: str = "") -> list[FollowedUp]:
    """Return, for reviewers, every country's recommendations of this cycle and the earlier ones still followed up.

    The follow-up comes only from assessments that reached the reviewers.
    `status` and `priority` narrow the list (an unknown value narrows nothing).
    """
    rows = _still_followed(cycle, _follow_up(_recommendations_until(cycle), None))
    if status in STATUSES:
        rows = [r for r in rows if r.status == status]
    if priority in PRIORITIES:
        rows = [r for r in rows if r.priority == priority]
    if country:
        rows = [r for r in rows if r.country_iso3 == country.upper()]
    return sorted(rows, key=lambda r: (r.country_iso3, -r.made_in.opened_at.timestamp(), r.id))


def made_on(rows: Iterable[FollowedUp], assessment: Assessment) -> list[FollowedUp]:
    """Return those of `rows` made on this assessment."""
    return [r for r in rows if r.recommendation.assessment_id == assessment.id]


def from_earlier(rows: Iterable[FollowedUp], assessment: Assessment) -> list[FollowedUp]:
    """Return those of `rows` made on the country's earlier assessments."""
    return [r for r in rows if r.recommendation.assessment_id != assessment.id]


def recommendations_by_item(assessment: Assessment) -> dict[str, list[FollowedUp]]:
    """Return, by checklist item, the open recommendations of earlier cycles whose obligation the item assesses.

    Shown beside the items of the questionnaire.  Whether one is still open is
    judged as reviewers see it (never from a draft), so the section page shows
    the same to the country and to reviewers (its cached body is shared by both).
    Making a recommendation moves on the version of the country's later
    assessments, so their cached pages show it at once.
    """
    cycle = assessment.cycle
    earlier = [r for r in _recommendations_until(cycle, assessment.country_iso3) if r.assessment.cycle_id != cycle.id]
    if not earlier:
        return {}
    rows = _still_followed(cycle, _follow_up(earlier, None))
    catalogue = catalogue_for(cycle)
    by_item: dict[str, list[FollowedUp]] = defaultdict(list)
    for row in rows:
        obligation = catalogue.obligation_by_id.get(row.obligation_id)
        for item in obligation.items if obligation is not None else ():
            by_item[item].append(row)
    return dict(by_item)


# --------------------------------------------------------------------------
# Comments
# --------------------------------------------------------------------------


def find_for(assessment: Assessment, recommendation_id: int) -> Recommendation:
    """Return a recommendation listed with this assessment: its country's, made in its cycle or before."""
    found = db.session.get(Recommendation, recommendation_id)
    if (
        found is None
        or found.assessment.country_iso3 != assessment.country_iso3
        or found.assessment.status not in REVIEWABLE
    ):
        raise NotFound(_("No such recommendation."))
    order = {c.id: n for n, c in enumerate(cycles_in_order())}
    if order.get(found.assessment.cycle_id, len(order)) > order.get(assessment.cycle_id, -1):
        raise NotFound(_("No such recommendation."))
    return found


def add_comment(user: User, assessment: Assessment, recommendation_id: int, body: str) -> RecommendationComment:
    """Add a message to a recommendation's thread (reviewers, admins and the country's respondents)."""
    if not can_view(user, assessment):
        raise NotFound(_("No such assessment."))
    found = find_for(assessment, recommendation_id)
    if not can_view(user, found.assessment):
        raise NotFound(_("No such recommendation."))
    text = check_comment(body)
    comment = RecommendationComment(recommendation_id=found.id, user_id=user.id, body=text, at=utcnow())
    db.session.add(comment)
    db.session.commit()
    return comment
