"""Check your answers before submitting: what still needs attention, item by item.

The flags come from the scoring method (`scores_of(...)["flags"]`: missing,
unsupported, unjustified not-applicable), so the page says exactly what the gap
report will; carried-forward answers nobody confirmed come from `carry`; the
sections of the country's internal review (assigned to contributors, or
reviewed) that the focal point has not approved come from `SectionReview` and
`Assignment` rows, read only.  A country that uses no internal review sees
nothing of the last.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..catalogue import Item, Section
from ..catalogue_store import catalogue_for
from ..db import db
from ..models import Assessment, Assignment, SectionReview, SectionState
from .carry import unconfirmed
from .scores import scores_of


@dataclass(frozen=True)
class SectionToApprove:
    """A section of the internal review that the focal point has not approved."""

    section: Section
    state: str  # a SectionState: in progress (also when only assigned), ready, sent back


@dataclass(frozen=True)
class Checklist:
    """What needs attention before submitting, each group in catalogue order."""

    unanswered: tuple[Item, ...]
    unsupported: tuple[Item, ...]  # rated as implemented (full, largely) with no description and no law cited
    unjustified: tuple[Item, ...]  # not applicable without a justification
    unconfirmed: tuple[Item, ...]  # carried forward from the earlier cycle, neither confirmed nor changed
    sections: tuple[SectionToApprove, ...]

    @property
    def clear(self) -> bool:
        """Tell whether nothing needs attention."""
        return not (self.unanswered or self.unsupported or self.unjustified or self.unconfirmed or self.sections)


def sections_not_approved(assessment: Assessment) -> list[SectionToApprove]:
    """Return the sections under internal review (assigned or reviewed) that are not approved, in catalogue order."""
    catalogue = catalogue_for(assessment.cycle)
    states = {
        section: state
        for section, state in db.session.execute(
            select(SectionReview.section_id, SectionReview.state).where(SectionReview.assessment_id == assessment.id)
        )
    }
    assigned: set[str] = set()
    for section, item in db.session.execute(
        select(Assignment.section_id, Assignment.item_id).where(Assignment.assessment_id == assessment.id)
    ):
        found = catalogue.item_by_id.get(item) if item else None
        assigned.add(found.section if found is not None else section)
    return [
        SectionToApprove(section, states.get(section.id, SectionState.IN_PROGRESS))
        for section in catalogue.sections
        if (section.id in states or section.id in assigned) and states.get(section.id) != SectionState.APPROVED
    ]


def check(assessment: Assessment) -> Checklist:
    """Return what needs attention before the assessment is submitted."""
    catalogue = catalogue_for(assessment.cycle)
    flags = scores_of(assessment).get("flags", {})

    def items(ids: list[str]) -> tuple[Item, ...]:
        return tuple(catalogue.item_by_id[i] for i in ids if i in catalogue.item_by_id)

    return Checklist(
        unanswered=items(flags.get("missing", [])),
        unsupported=items(flags.get("unsupported", [])),
        unjustified=items(flags.get("unjustified_not_applicable", [])),
        unconfirmed=items(unconfirmed(assessment)),
        sections=tuple(sections_not_approved(assessment)),
    )
