"""Saving answers: validation, optimistic locking and the audit trail.

Every way of changing an answer (the section form, autosave, the API, the
offline spreadsheet, the import command) goes through `save_answers`, so the
rules and the audit trail are the same whatever the channel.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Insert, Update, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..catalogue import Catalogue
from ..catalogue_store import catalogue_for
from ..db import db, rowcount, table_of
from ..models import Answer, AnswerChange, Assessment, Carry, User, utcnow
from .access import EDITABLE, require_edit, require_operator_edit
from .errors import InvalidAnswer, InvalidTransition, StaleAnswer, UnknownChecklistItem

MAX_DESCRIPTION = 10_000
MAX_JUSTIFICATION = 5_000
MAX_ASSISTANCE = 5_000
MAX_REFERENCE = 500
MAX_REFERENCES = 50
MAX_LINK = 2_000
MAX_LINKS = 30

FIELDS = (
    "rating",
    "description",
    "legal_references",
    "evidence_links",
    "assistance_kind",
    "assistance_description",
    "justification",
)


def field_labels() -> dict[str, str]:
    """Return the names of an answer's fields (and of the carried-forward mark) in the reader's language."""
    return {
        "rating": _("Rating"),
        "description": _("Description"),
        "legal_references": _("Legal references"),
        "evidence_links": _("Evidence links"),
        "assistance_kind": _("Technical assistance"),
        "assistance_description": _("Assistance needed"),
        "justification": _("Justification"),
        "carried_forward": _("Awaiting confirmation (carried forward)"),
        # Evidence files attached or removed (services.evidence); internal ones only the country sees.
        "evidence": _("Evidence file"),
        "evidence_internal": _("Evidence file (internal)"),
    }


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class AnswerInput:
    """The fields of an answer as a user gave them."""

    rating: str | None = None
    description: str = ""
    legal_references: tuple[str, ...] = ()
    evidence_links: tuple[str, ...] = ()
    assistance_kind: str | None = None
    assistance_description: str = ""
    justification: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Return the fields as plain JSON data."""
        data = asdict(self)
        data["legal_references"] = list(self.legal_references)
        data["evidence_links"] = list(self.evidence_links)
        return data

    def digest(self) -> str:
        """Return a short fingerprint of the values (to tell an untouched form row)."""
        return fingerprint(self.as_dict())

    @property
    def is_blank(self) -> bool:
        return self == AnswerInput()

    @classmethod
    def of(cls, answer: Answer | None) -> AnswerInput:
        """Return the stored answer's values (blank if there is none)."""
        if answer is None:
            return cls()
        return cls(
            rating=answer.rating,
            description=answer.description or "",
            legal_references=tuple(answer.legal_references or ()),
            evidence_links=tuple(answer.evidence_links or ()),
            assistance_kind=answer.assistance_kind,
            assistance_description=answer.assistance_description or "",
            justification=answer.justification or "",
        )


def fingerprint(data: dict[str, Any]) -> str:
    """Hash answer values the same way every time."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


@dataclass(frozen=True)
class Edit:
    """One answer to save: the item, the new values and the version they were based on.

    `original` is the fingerprint of the values the user started from, when
    known (the web form sends it): a row whose values still match it was not
    touched and is left alone even if someone else saved meanwhile.
    """

    item: str
    values: AnswerInput
    based_on: int
    original: str | None = None


@dataclass
class SaveResult:
    saved: list[Answer] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    # For each item whose stored values now equal what was sent: its version and fingerprint.
    # (An item skipped because it was not touched, while someone else changed it, is left out:
    # the sender's form must keep treating it as untouched.)
    versions: dict[str, int] = field(default_factory=dict)
    fingerprints: dict[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------
# Cleaning and validation
# --------------------------------------------------------------------------


def clean_text(value: Any) -> str:
    """Normalise text: NFC, Unix line ends, no control characters, no outer spaces."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value)).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text).strip()


def split_lines(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """Turn one-per-line text (or a list) into a tuple of non-blank entries."""
    if value is None:
        return ()
    parts = value.split("\n") if isinstance(value, str) else list(value)
    return tuple(t for t in (clean_text(p) for p in parts) if t)


def check_link(link: str) -> str | None:
    """Return why a link is not acceptable evidence, or None if it is."""
    if len(link) > MAX_LINK:
        return _("is longer than %(max)d characters", max=MAX_LINK)
    if any(c.isspace() for c in link):
        return _("contains spaces")
    try:
        parts = urlsplit(link)
    except ValueError:
        return _("is not a valid address")
    if parts.scheme.lower() not in ("http", "https"):
        return _("must start with http:// or https://")
    if not parts.hostname:
        return _("has no host name")
    return None


def validate(values: AnswerInput, catalogue: Catalogue) -> dict[str, str]:
    """Check one answer against the rules; return {field: message} for each problem."""
    errors: dict[str, str] = {}
    if values.rating is not None and values.rating not in catalogue.level_by_id:
        allowed = ", ".join(s.id for s in catalogue.scale)
        errors["rating"] = _(
            "'%(value)s' is not on the rating scale (use one of: %(allowed)s).", value=values.rating, allowed=allowed
        )
    if len(values.description) > MAX_DESCRIPTION:
        errors["description"] = _(
            "Keep the description under %(max)s characters (it has %(length)s).",
            max=f"{MAX_DESCRIPTION:,}",
            length=f"{len(values.description):,}",
        )
    if len(values.justification) > MAX_JUSTIFICATION:
        errors["justification"] = _("Keep the justification under %(max)s characters.", max=f"{MAX_JUSTIFICATION:,}")
    if values.rating in catalogue.not_applicable_ids and not values.justification:
        errors["justification"] = _("Explain why the item does not apply: “not applicable” needs a justification.")
    if len(values.legal_references) > MAX_REFERENCES:
        errors["legal_references"] = _("Give at most %(max)d legal references.", max=MAX_REFERENCES)
    else:
        for number, ref in enumerate(values.legal_references, 1):
            if len(ref) > MAX_REFERENCE:
                errors["legal_references"] = _(
                    "Reference %(number)d is longer than %(max)d characters.", number=number, max=MAX_REFERENCE
                )
                break
    if len(values.evidence_links) > MAX_LINKS:
        errors["evidence_links"] = _("Give at most %(max)d evidence links.", max=MAX_LINKS)
    else:
        for number, link in enumerate(values.evidence_links, 1):
            problem = check_link(link)
            if problem:
                shown = link if len(link) <= 80 else link[:77] + "…"
                errors["evidence_links"] = _(
                    "Link %(number)d (%(link)s) %(problem)s.", number=number, link=shown, problem=problem
                )
                break
    if values.assistance_kind is not None:
        if values.assistance_kind not in catalogue.assistance_by_id:
            allowed = ", ".join(a.id for a in catalogue.assistance_kinds)
            errors["assistance_kind"] = _(
                "'%(value)s' is not a kind of assistance (use one of: %(allowed)s).",
                value=values.assistance_kind,
                allowed=allowed,
            )
        elif not values.assistance_description:
            errors["assistance_description"] = _("Describe the technical assistance your country needs.")
    if len(values.assistance_description) > MAX_ASSISTANCE:
        errors["assistance_description"] = _(
            "Keep the description of assistance under %(max)s characters.", max=f"{MAX_ASSISTANCE:,}"
        )
    return errors


def make_input(
    rating: Any = None,
    description: Any = "",
    legal_references: Any = (),
    evidence_links: Any = (),
    assistance_kind: Any = None,
    assistance_description: Any = "",
    justification: Any = "",
) -> AnswerInput:
    """Build a cleaned AnswerInput from loosely typed values (form, API, spreadsheet)."""
    rating_text = clean_text(rating) or None
    kind = clean_text(assistance_kind) or None
    if kind == "none":
        kind = None
    return AnswerInput(
        rating=rating_text,
        description=clean_text(description),
        legal_references=split_lines(legal_references),
        evidence_links=split_lines(evidence_links),
        assistance_kind=kind,
        assistance_description=clean_text(assistance_description) if kind else "",
        justification=clean_text(justification),
    )


# --------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------


def answers_of(assessment: Assessment, items: Iterable[str] | None = None) -> dict[str, Answer]:
    """Return the stored answers of an assessment (or of some of its items) by item id."""
    query = select(Answer).where(Answer.assessment_id == assessment.id)
    if items is not None:
        query = query.where(Answer.item_id.in_(list(items)))
    return {a.item_id: a for a in db.session.scalars(query)}


def rated_items(assessment: Assessment) -> set[str]:
    """Return the ids of the items that have a rating (one light query)."""
    return set(
        db.session.scalars(
            select(Answer.item_id).where(Answer.assessment_id == assessment.id, Answer.rating.is_not(None))
        )
    )


# --------------------------------------------------------------------------
# Saving
# --------------------------------------------------------------------------


def save_statements() -> tuple[Update, Insert]:
    """A save's compare-and-set of the answer and its audit row, table-level: the ORM has nothing to track."""
    answers = table_of(Answer)
    return (
        update(answers).where(answers.c.id == bindparam("b_id"), answers.c.version == bindparam("b_version")),
        insert(table_of(AnswerChange)),
    )


# Speed: built once; building them and their cache keys for each save would cost about 0.09 ms of
# the save's 6 ms (`benchmarks/machinery.py`, 2026-12-03): small, and free to keep.
_ANSWER_UPDATE, _CHANGE_INSERT = save_statements()


def bump_version(assessment: Assessment, now: Any, only_from: Iterable[str] | None = None, **values: Any) -> bool:
    """Move the assessment's version on (and set `values`), as every change of what its pages show must.

    With `only_from`, only while its status is one of those, checked in the same
    statement so that a racing change of status wins cleanly.  Return whether the
    row was changed; the loaded object is not updated (its attributes reload after
    the commit).
    """
    table = table_of(Assessment)
    statement = update(table).where(table.c.id == assessment.id)
    if only_from is not None:
        statement = statement.where(table.c.status.in_([str(s) for s in only_from]))
    outcome = db.session.execute(statement.values(version=table.c.version + 1, updated_at=now, **values))
    return rowcount(outcome) == 1


def save_answers(user: User | None, assessment: Assessment, edits: Sequence[Edit], source: str = "form") -> SaveResult:
    """Save several answers in one transaction, or none of them.

    Raises InvalidAnswer for the first answer breaking a rule (after checking
    them all, with every field's message), StaleAnswer when an answer changed
    since the version an edit was based on.  Nothing is written in either case.
    `user` is None only for the operator's command line (`questionnaire import`):
    the change is then recorded with no user and its source.
    """
    if user is None:
        require_operator_edit(assessment)
    else:
        require_edit(user, assessment, [e.item for e in edits])
    catalogue = catalogue_for(assessment.cycle)
    for edit in edits:
        if edit.item not in catalogue.item_by_id:
            raise UnknownChecklistItem(
                _("There is no checklist item '%(item)s' in this cycle's questionnaire.", item=edit.item),
                item=edit.item,
            )
    problems = {e.item: validate(e.values, catalogue) for e in edits}
    problems = {k: v for k, v in problems.items() if v}
    if problems:
        item, errors = next(iter(problems.items()))
        raise InvalidAnswer(
            ngettext(
                "%(num)d answer needs correcting; nothing was saved.",
                "%(num)d answers need correcting; nothing was saved.",
                len(problems),
            ),
            errors=errors,
            item=item,
        ) from None

    current = answers_of(assessment, [e.item for e in edits])
    result = SaveResult()
    changes_to_record: list[dict[str, Any]] = []
    now = utcnow()
    try:
        for edit in edits:
            existing = current.get(edit.item)
            stored = AnswerInput.of(existing)
            version = existing.version if existing else 0
            if edit.values == stored:
                result.unchanged.append(edit.item)
                result.versions[edit.item] = version
                result.fingerprints[edit.item] = stored.digest()
                continue
            if edit.original is not None and edit.values.digest() == edit.original:
                # Not touched in this form: keep whatever was saved meanwhile.
                result.unchanged.append(edit.item)
                continue
            if edit.based_on != version:
                raise StaleAnswer(edit.item, existing, edit.based_on)
            changes = {
                name: [getattr(stored, name), getattr(edit.values, name)]
                for name in FIELDS
                if getattr(stored, name) != getattr(edit.values, name)
            }
            changes = {k: [_jsonable(a), _jsonable(b)] for k, (a, b) in changes.items()}
            values = edit.values.as_dict()
            if existing is not None and existing.carry in (Carry.CARRIED, Carry.CONFIRMED):
                # A carried-forward answer changed: no longer the last cycle's position.
                values["carry"] = Carry.CHANGED
                if existing.carry == Carry.CARRIED:
                    changes["carried_forward"] = [True, False]
            if existing is None:
                answer = Answer(
                    assessment_id=assessment.id,
                    item_id=edit.item,
                    version=1,
                    updated_at=now,
                    updated_by_id=user.id if user else None,
                    **values,
                )
                db.session.add(answer)
                db.session.flush()  # a concurrent first save fails here on the unique key
            else:
                # Compare-and-set: only succeeds if nobody saved since we read it.
                outcome = db.session.execute(
                    _ANSWER_UPDATE,
                    {
                        "b_id": existing.id,
                        "b_version": version,
                        "version": version + 1,
                        "updated_at": now,
                        "updated_by_id": user.id if user else None,
                        **values,
                    },
                )
                if rowcount(outcome) != 1:
                    db.session.rollback()
                    fresh = db.session.scalar(select(Answer).where(Answer.id == existing.id))
                    raise StaleAnswer(edit.item, fresh, edit.based_on)
                db.session.expire(existing)
                answer = existing
            changes_to_record.append(
                {
                    "assessment_id": assessment.id,
                    "item_id": edit.item,
                    "version": version + 1,
                    "user_id": user.id if user else None,
                    "at": now,
                    "source": source,
                    "changes": changes,
                }
            )
            result.saved.append(answer)
            result.versions[edit.item] = version + 1
            result.fingerprints[edit.item] = edit.values.digest()
        if result.saved:
            db.session.execute(_CHANGE_INSERT, changes_to_record)
            if not bump_version(assessment, now, only_from=EDITABLE):
                db.session.rollback()
                raise InvalidTransition(_("The assessment was submitted meanwhile; nothing was saved."))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        item = edits[0].item if len(edits) == 1 else "one of the answers"
        fresh = db.session.scalar(select(Answer).where(Answer.assessment_id == assessment.id, Answer.item_id == item))
        raise StaleAnswer(item, fresh, 0) from None
    except StaleAnswer:
        db.session.rollback()
        raise
    return result  # committed objects are expired: they reload on first use


def save_answer(
    user: User | None, assessment: Assessment, item: str, values: AnswerInput, based_on: int, source: str = "api"
) -> Answer | None:
    """Save one answer (see save_answers); return it as stored (None if never answered)."""
    save_answers(user, assessment, [Edit(item, values, based_on)], source=source)
    return answers_of(assessment).get(item)


def _jsonable(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def history(assessment: Assessment, item: str | None = None) -> list[AnswerChange]:
    """Return the audit trail of an assessment (or of one item), oldest first."""
    query = select(AnswerChange).where(AnswerChange.assessment_id == assessment.id)
    if item is not None:
        query = query.where(AnswerChange.item_id == item)
    return list(db.session.scalars(query.order_by(AnswerChange.at, AnswerChange.id)))
