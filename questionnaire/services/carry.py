"""Cycle after cycle: answers carried forward, confirmed or changed, and what changed since the last cycle.

When a country starts an assessment, its answers of its most recent accepted
(else submitted) assessment of an earlier cycle are copied into it, for every
item whose question is the same in both editions.  A carried answer is marked
`carried` until a respondent confirms it (`confirmed`) or changes it
(`changed`); it counts in the score as the country's last position.  Items that
are new in this edition, or whose question changed, start empty.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, or_, select

import scoring

from ..caching import LruCache
from ..catalogue import Catalogue
from ..catalogue_store import catalogue_for, edition
from ..db import db, rowcount, table_of
from ..models import Answer, AnswerChange, Assessment, Carry, Cycle, Event, Status, User, utcnow
from .access import can_view, require_edit
from .answers import FIELDS, AnswerInput, _jsonable, answers_of, bump_version
from .errors import NotFound, UnknownChecklistItem
from .scores import scoring_answers

# Where the carried values of an answer come from, as the audit trail names it.
SOURCE_CARRIED = "carried"
SOURCE_CONFIRMED = "confirmed"


# --------------------------------------------------------------------------
# Which earlier assessment, and which items
# --------------------------------------------------------------------------


def _earlier(cycle: Cycle) -> ColumnElement[bool]:
    """The cycles opened before this one (by when they were opened, then by id)."""
    return or_(Cycle.opened_at < cycle.opened_at, (Cycle.opened_at == cycle.opened_at) & (Cycle.id < cycle.id))


def _sources(countries: Collection[str], cycle: Cycle) -> dict[str, Assessment]:
    """Return, by country, its most recent accepted assessment of an earlier cycle, else its most recent submitted one.

    Drafts and returned assessments are never a source: what was not sent is not a position.
    """
    if not countries:
        return {}
    rows = db.session.scalars(
        select(Assessment)
        .join(Cycle, Cycle.id == Assessment.cycle_id)
        .where(
            Assessment.country_iso3.in_(list(countries)),
            Assessment.cycle_id != cycle.id,
            _earlier(cycle),
            Assessment.status.in_([Status.ACCEPTED, Status.SUBMITTED]),
        )
        .order_by(Cycle.opened_at.desc(), Cycle.id.desc())
    )
    accepted: dict[str, Assessment] = {}
    submitted: dict[str, Assessment] = {}
    for row in rows:
        chosen = accepted if row.status == Status.ACCEPTED else submitted
        chosen.setdefault(row.country_iso3, row)
    return {**submitted, **accepted}


def source_assessment(country_iso3: str, cycle: Cycle) -> Assessment | None:
    """Return the earlier assessment a country's answers in `cycle` are carried from (see `_sources`)."""
    return _sources([country_iso3], cycle).get(country_iso3)


def previous_assessment(assessment: Assessment) -> Assessment | None:
    """Return the earlier assessment this one is compared with: the one it carried answers from, else the rule's."""
    return previous_assessments([assessment])[assessment.id]


def previous_assessments(assessments: Sequence[Assessment]) -> dict[int, Assessment | None]:
    """Return, for assessments of one or more cycles, the earlier assessment each is compared with (two queries)."""
    carried_ids = {a.carried_from_id for a in assessments if a.carried_from_id is not None}
    carried = (
        {a.id: a for a in db.session.scalars(select(Assessment).where(Assessment.id.in_(carried_ids)))}
        if carried_ids
        else {}
    )
    out: dict[int, Assessment | None] = {}
    rest: dict[int, list[Assessment]] = {}
    for assessment in assessments:
        found = carried.get(assessment.carried_from_id) if assessment.carried_from_id is not None else None
        if found is not None:
            out[assessment.id] = found
        else:
            rest.setdefault(assessment.cycle_id, []).append(assessment)
    for group in rest.values():
        sources = _sources({a.country_iso3 for a in group}, group[0].cycle)
        for assessment in group:
            out[assessment.id] = sources.get(assessment.country_iso3)
    return out


@dataclass(frozen=True)
class EditionChange:
    """How the checklist items of two editions relate: same question, changed question, added, removed."""

    same: frozenset[str]
    changed: dict[str, str]  # item -> the earlier edition's question (English)
    added: frozenset[str]
    removed: tuple[str, ...]  # in the earlier edition's order


_edition_changes: LruCache[tuple[str, str], EditionChange] = LruCache(64)


def edition_change(before: Catalogue, after: Catalogue) -> EditionChange:
    """Compare the items of two editions by their English question (the authentic text)."""
    key = (before.hash, after.hash)
    found = _edition_changes.get(key)
    if found is not None:
        return found
    old = {i.id: i.question for i in (before.english or before).items}
    new = {i.id: i.question for i in (after.english or after).items}
    found = EditionChange(
        same=frozenset(i for i in new if i in old and old[i] == new[i]),
        changed={i: old[i] for i in new if i in old and old[i] != new[i]},
        added=frozenset(i for i in new if i not in old),
        removed=tuple(i for i in old if i not in new),
    )
    _edition_changes.put(key, found)
    return found


def _english(cycle: Cycle) -> Catalogue:
    return edition(cycle.edition_hash)


# --------------------------------------------------------------------------
# Carrying forward
# --------------------------------------------------------------------------


def carry_forward(assessment: Assessment, user: User) -> int:
    """Copy the answers of the country's earlier assessment into a new one (in the caller's transaction).

    Return how many answers were carried.  Every carried answer is recorded in
    the audit trail (source "carried"), and the start with an event naming the
    cycle they came from.
    """
    source = source_assessment(assessment.country_iso3, assessment.cycle)
    if source is None:
        return 0
    before, after = _english(source.cycle), _english(assessment.cycle)
    change = edition_change(before, after)
    levels = {level.id for level in after.scale}
    kinds = {kind.id for kind in after.assistance_kinds}
    now = utcnow()
    answers: list[dict[str, Any]] = []
    trail: list[dict[str, Any]] = []
    for old in answers_of(source).values():
        if old.item_id not in change.same:
            continue
        values = AnswerInput.of(old)
        if values.is_blank:
            continue
        if values.rating is not None and values.rating not in levels:
            continue  # the scale changed: the rating no longer means the same
        if values.assistance_kind is not None and values.assistance_kind not in kinds:
            values = AnswerInput(**{**values.as_dict(), "assistance_kind": None, "assistance_description": ""})
        data = values.as_dict()
        answers.append(
            {
                "assessment_id": assessment.id,
                "item_id": old.item_id,
                "version": 1,
                "updated_at": now,
                "updated_by_id": user.id,
                "carry": Carry.CARRIED,
                **data,
            }
        )
        blank = AnswerInput().as_dict()
        trail.append(
            {
                "assessment_id": assessment.id,
                "item_id": old.item_id,
                "version": 1,
                "user_id": user.id,
                "at": now,
                "source": SOURCE_CARRIED,
                "changes": {
                    name: [_jsonable(blank[name]), _jsonable(data[name])]
                    for name in FIELDS
                    if blank[name] != data[name]
                },
            }
        )
    assessment.carried_from_id = source.id
    db.session.add(
        Event(
            assessment_id=assessment.id,
            action="carried_forward",
            from_status=Status.DRAFT,
            to_status=Status.DRAFT,
            user_id=user.id,
            at=now,
            comment=source.cycle.code,
        )
    )
    if answers:
        db.session.execute(table_of(Answer).insert(), answers)
        db.session.execute(table_of(AnswerChange).insert(), trail)
    return len(answers)


def confirm(user: User, assessment: Assessment, items: Iterable[str], source: str = "form") -> list[str]:
    """Confirm carried answers unchanged; return the items confirmed (those still carried), in the order given.

    Each confirmation moves the answer's version on and is recorded in the
    audit trail; confirming an item that is not carried does nothing.
    """
    wanted = list(dict.fromkeys(items))
    require_edit(user, assessment, wanted)
    catalogue = catalogue_for(assessment.cycle)
    for item in wanted:
        if item not in catalogue.item_by_id:
            raise UnknownChecklistItem(
                _("There is no checklist item '%(item)s' in this cycle's questionnaire.", item=item), item=item
            )
    answers = answers_of(assessment, wanted)
    now = utcnow()
    done: list[str] = []
    table = table_of(Answer)
    for item in wanted:
        answer = answers.get(item)
        if answer is None or answer.carry != Carry.CARRIED:
            continue
        outcome = db.session.execute(
            table.update()
            .where(table.c.id == answer.id, table.c.version == answer.version, table.c.carry == Carry.CARRIED)
            .values(carry=Carry.CONFIRMED, version=answer.version + 1, updated_at=now, updated_by_id=user.id)
        )
        if rowcount(outcome) != 1:
            continue  # changed meanwhile: no longer "carried"
        db.session.add(
            AnswerChange(
                assessment_id=assessment.id,
                item_id=item,
                version=answer.version + 1,
                user_id=user.id,
                at=now,
                source=source,
                changes={"carried_forward": [True, False]},
            )
        )
        done.append(item)
    if done:
        bump_version(assessment, now)
    db.session.commit()
    return done


# --------------------------------------------------------------------------
# What a page shows beside each item
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemCarry:
    """What to say beside an item about the last cycle."""

    state: str  # carried, confirmed, changed, new_item, question_changed, or "" (nothing to say)
    old_question: str = ""  # the earlier question, for question_changed


def carry_states(assessment: Assessment, answers: dict[str, Answer]) -> dict[str, ItemCarry]:
    """Return, for every item of the assessment's edition, its state relative to the carried-forward answers."""
    out: dict[str, ItemCarry] = {}
    for item, answer in answers.items():
        if answer.carry:
            out[item] = ItemCarry(answer.carry)
    if assessment.carried_from_id is None:
        return out
    source = db.session.get(Assessment, assessment.carried_from_id)
    if source is None:
        return out
    change = edition_change(_english(source.cycle), _english(assessment.cycle))
    for item in change.added:
        out.setdefault(item, ItemCarry("new_item"))
    for item, question in change.changed.items():
        out.setdefault(item, ItemCarry("question_changed", question))
    return out


def unconfirmed(assessment: Assessment) -> list[str]:
    """Return the items whose carried answer is neither confirmed nor changed yet, in catalogue order."""
    carried = set(
        db.session.scalars(
            select(Answer.item_id).where(Answer.assessment_id == assessment.id, Answer.carry == Carry.CARRIED)
        )
    )
    return [i.id for i in catalogue_for(assessment.cycle).items if i.id in carried]


def previous_answers(user: User, previous: Assessment | None, items: Sequence[str] | None = None) -> dict[str, Answer]:
    """Return the earlier assessment's answers (of some items), when the user may see that assessment."""
    if previous is None or not can_view(user, previous):
        return {}
    return answers_of(previous, items)


# --------------------------------------------------------------------------
# Changes since the last cycle
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemDifference:
    item: str
    section: str
    before: str | None  # rating id
    after: str | None
    direction: int  # +1 up, -1 down, 0 same or not comparable
    texts_changed: tuple[str, ...]  # field names whose text changed
    carry: str | None


@dataclass(frozen=True)
class ChangesSinceLast:
    previous: Assessment
    change: scoring.Change
    overall_before: float | None
    overall_after: float | None
    items: tuple[ItemDifference, ...]
    added: tuple[str, ...]
    question_changed: tuple[str, ...]
    removed: tuple[str, ...]

    @property
    def up(self) -> list[ItemDifference]:
        return [d for d in self.items if d.direction > 0]

    @property
    def down(self) -> list[ItemDifference]:
        return [d for d in self.items if d.direction < 0]

    @property
    def texts(self) -> list[ItemDifference]:
        return [d for d in self.items if d.texts_changed and d.direction == 0]

    @property
    def confirmed(self) -> list[ItemDifference]:
        return [d for d in self.items if d.carry == Carry.CONFIRMED]


TEXT_FIELDS = ("description", "legal_references", "evidence_links", "justification", "assistance")


def changes_since_last(user: User, assessment: Assessment) -> ChangesSinceLast:
    """Compare the assessment with the country's earlier one: ratings up and down, texts, scores."""
    previous = previous_assessment(assessment)
    if previous is None or not can_view(user, previous):
        raise NotFound(_("There is no earlier assessment of this country to compare with."))
    now_cat, before_cat = _english(assessment.cycle), _english(previous.cycle)
    values = {level.id: level.value for level in now_cat.scale}
    old_values = {level.id: level.value for level in before_cat.scale}
    current, earlier = answers_of(assessment), answers_of(previous)
    edition_diff = edition_change(before_cat, now_cat)
    differences = []
    for item in now_cat.items:
        if item.id not in edition_diff.same:
            continue
        a, b = current.get(item.id), earlier.get(item.id)
        new, old = AnswerInput.of(a), AnswerInput.of(b)
        after_value, before_value = values.get(new.rating or ""), old_values.get(old.rating or "")
        direction = 0
        if after_value is not None and before_value is not None and after_value != before_value:
            direction = 1 if after_value > before_value else -1
        texts = tuple(
            name
            for name in TEXT_FIELDS
            if (
                (new.assistance_kind, new.assistance_description) != (old.assistance_kind, old.assistance_description)
                if name == "assistance"
                else getattr(new, name) != getattr(old, name)
            )
        )
        if direction or texts or new.rating != old.rating or (a is not None and a.carry):
            differences.append(
                ItemDifference(item.id, item.section, old.rating, new.rating, direction, texts, a.carry if a else None)
            )
    now_scored = scoring.score_scored(now_cat.edition, scoring_answers(current))
    before_scored = scoring.score_scored(before_cat.edition, scoring_answers(earlier))
    return ChangesSinceLast(
        previous=previous,
        change=scoring.change_between(now_scored, before_scored),
        overall_before=before_scored.result.overall,
        overall_after=now_scored.result.overall,
        items=tuple(differences),
        added=tuple(i.id for i in now_cat.items if i.id in edition_diff.added),
        question_changed=tuple(i.id for i in now_cat.items if i.id in edition_diff.changed),
        removed=edition_diff.removed,
    )
