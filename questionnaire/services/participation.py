"""Participation: every member country's status in a cycle, as the secretariat may know it.

A draft is private to its country (PRODUCT.md, "People and roles"): a country
that has started a draft and one that has not started look exactly the same
here, both "not submitted", with no date and nothing else.  Only assessments
that reached the reviewers (submitted, returned, accepted) are read at all:
drafts are never selected, so nothing about them can leak into a row, a
count or a date.  Member countries are the rows of the country table.

Dates come from the assessment (its first and last submission) and from the
lifecycle events the secretariat itself made (the last return, the
acceptance).  A first submission is late when it came after the end of the
due date, in UTC (`Cycle.is_late`); a resubmission after a return does not
make a country late.

Three SQL statements whatever the number of countries: the countries, the
assessments that reached the reviewers, and their lifecycle dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Final, Literal

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..db import db
from ..models import Assessment, Country, Cycle, Event, Status, User
from .access import REVIEWABLE
from .errors import Forbidden
from .review import name_key

ParticipationStatus = Literal["not_submitted", "submitted", "returned", "accepted"]
NOT_SUBMITTED: Final = "not_submitted"
# The statuses a member country can have here, in the order the summary counts them.
STATUSES: Final[tuple[ParticipationStatus, ...]] = ("not_submitted", "submitted", "returned", "accepted")
# An assessment's status once it reached the reviewers, as a participation status.
_REACHED: Final[dict[str, ParticipationStatus]] = {s: s for s in STATUSES if s != NOT_SUBMITTED}


def status_label(status: str) -> str:
    """Return a participation status as a word of the reader's language (as the status badges write it)."""
    labels = {
        NOT_SUBMITTED: _("Not submitted"),
        Status.SUBMITTED.value: _("Submitted"),
        Status.RETURNED.value: _("Returned for changes"),
        Status.ACCEPTED.value: _("Accepted"),
    }
    return labels.get(status, status)


@dataclass(frozen=True)
class CountryParticipation:
    """One member country's line: its status and the dates the secretariat may know."""

    iso3: str
    name: str  # in the reader's language
    region: str  # UN M49 region, in English (a key; shown through `region_name`)
    status: ParticipationStatus
    first_submitted_at: datetime | None
    submitted_at: datetime | None  # the last submission
    returned_at: datetime | None  # the last return to the country
    accepted_at: datetime | None
    late: bool | None  # the first submission after the due date; None without a submission or a due date

    @property
    def reached_reviewers(self) -> bool:
        """Tell whether the country's assessment may be opened by reviewers (it was submitted)."""
        return self.status != NOT_SUBMITTED


@dataclass(frozen=True)
class ParticipationSummary:
    """How many member countries stand in each status, and how many first submissions were late."""

    members: int
    not_submitted: int
    submitted: int
    returned: int
    accepted: int
    late: int
    on_time: int

    @property
    def reached_reviewers(self) -> int:
        """Countries that have submitted (whatever the reviewers did since)."""
        return self.submitted + self.returned + self.accepted

    def count(self, status: str) -> int:
        """Return the count of one of STATUSES."""
        counts = {
            NOT_SUBMITTED: self.not_submitted,
            Status.SUBMITTED.value: self.submitted,
            Status.RETURNED.value: self.returned,
            Status.ACCEPTED.value: self.accepted,
        }
        return counts[status]


@dataclass(frozen=True)
class Participation:
    """Every member country of a cycle, by name, with the summary and the days to the due date."""

    cycle: Cycle
    due_date: date | None
    days_left: int | None  # negative once the due date has passed; None without a due date
    countries: list[CountryParticipation]
    summary: ParticipationSummary


def require_secretariat(user: User) -> None:
    """Raise Forbidden unless the user is a reviewer or an admin (who alone follow participation)."""
    if not user.is_reviewer:
        raise Forbidden(_("Only reviewers and admins can see which countries have submitted."))


def _lifecycle_dates(cycle: Cycle) -> dict[tuple[int, str], tuple[datetime, datetime]]:
    """Return {(assessment id, action): (first, last)} of the submissions, returns and acceptances of
    the cycle's assessments that reached the reviewers (never a draft's)."""
    rows = db.session.execute(
        select(Event.assessment_id, Event.action, func.min(Event.at), func.max(Event.at))
        .join(Assessment, Assessment.id == Event.assessment_id)
        .where(
            Assessment.cycle_id == cycle.id,
            Assessment.status.in_([s.value for s in REVIEWABLE]),
            Event.action.in_(("submitted", "returned", "accepted")),
        )
        .group_by(Event.assessment_id, Event.action)
    )
    return {(row[0], row[1]): (row[2], row[3]) for row in rows}


def participation(user: User, cycle: Cycle, today: date | None = None) -> Participation:
    """Return every member country's status in the cycle as the secretariat may know it."""
    require_secretariat(user)
    countries = list(db.session.scalars(select(Country)))
    reached = {
        row.country_iso3: row
        for row in db.session.execute(
            select(
                Assessment.id,
                Assessment.country_iso3,
                Assessment.status,
                Assessment.first_submitted_at,
                Assessment.submitted_at,
            ).where(Assessment.cycle_id == cycle.id, Assessment.status.in_([s.value for s in REVIEWABLE]))
        )
    }
    dates = _lifecycle_dates(cycle) if reached else {}
    lines = []
    for country in countries:
        found = reached.get(country.iso3)
        if found is None:
            # Not started and a draft alike: nothing but the country.
            lines.append(
                CountryParticipation(
                    iso3=country.iso3,
                    name=country.name,
                    region=country.region or "",
                    status=NOT_SUBMITTED,
                    first_submitted_at=None,
                    submitted_at=None,
                    returned_at=None,
                    accepted_at=None,
                    late=None,
                )
            )
            continue
        submissions = dates.get((found.id, "submitted"))
        returns = dates.get((found.id, "returned"))
        acceptance = dates.get((found.id, "accepted"))
        first = found.first_submitted_at or (submissions[0] if submissions else None) or found.submitted_at
        last = found.submitted_at or (submissions[1] if submissions else None) or first
        state = _REACHED[str(found.status)]
        lines.append(
            CountryParticipation(
                iso3=country.iso3,
                name=country.name,
                region=country.region or "",
                status=state,
                first_submitted_at=first,
                submitted_at=last,
                returned_at=returns[1] if returns else None,
                accepted_at=acceptance[1] if acceptance and state == "accepted" else None,
                late=None if cycle.due_date is None or first is None else cycle.is_late(first),
            )
        )
    lines.sort(key=lambda line: (name_key(line.name), line.iso3))
    by_status = {status: sum(1 for line in lines if line.status == status) for status in STATUSES}
    summary = ParticipationSummary(
        members=len(lines),
        not_submitted=by_status[NOT_SUBMITTED],
        submitted=by_status[Status.SUBMITTED.value],
        returned=by_status[Status.RETURNED.value],
        accepted=by_status[Status.ACCEPTED.value],
        late=sum(1 for line in lines if line.late is True),
        on_time=sum(1 for line in lines if line.late is False),
    )
    return Participation(
        cycle=cycle,
        due_date=cycle.due_date,
        days_left=cycle.days_left(today),
        countries=lines,
        summary=summary,
    )
