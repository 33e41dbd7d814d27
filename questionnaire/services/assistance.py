"""Demand for technical assistance: which countries asked for which kind, for which items and clauses.

An answer asks for assistance when its `assistance_kind` is set.  Only the
assessments the user may see are read (`visible_assessments`), and of those
only the ones that reached the reviewers: a draft is never counted, whoever
asks.  Only reviewers, admins and the operator (`user=None`: the command line,
the meeting pack) may ask; anyone else is refused (`Forbidden`).

The requests carry ids (kind, section, item, obligations) and the country's
name in the reader's language; `labels(cycle)` gives the kinds' and sections'
labels in the reader's language, from the catalogue's translations.  Totals
list every kind and every section of the catalogue, in its order, with 0 where
nothing was asked, and every region that asked, by name.

Two SQL statements whatever the number of countries: the visible assessments,
and the answers that ask for assistance.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from ..catalogue import Catalogue
from ..catalogue_store import catalogue_for
from ..db import db
from ..i18n import M49_REGIONS
from ..models import Answer, Cycle, User
from .access import REVIEWABLE, visible_assessments
from .errors import Forbidden, InvalidAnswer
from .review import name_key

REGIONS: tuple[str, ...] = tuple(M49_REGIONS)  # the UN M49 regions, by English name (a key)


class InvalidFilter(InvalidAnswer):
    """A filter names a region or a kind of assistance that does not exist; `errors` says which."""


@dataclass(frozen=True)
class AssistanceRequest:
    """One answer asking for assistance."""

    iso3: str
    country: str  # the country's name in the reader's language
    region: str  # UN M49 region, in English (a key; shown through `region_name`)
    section: str  # section id
    item: str  # item id
    obligations: tuple[str, ...]  # the ids of the clauses the item assesses
    kind: str  # assistance kind id
    description: str


@dataclass(frozen=True)
class AssistanceDemand:
    """The requests of a cycle (filtered as asked), with totals per kind, section and region."""

    cycle: str
    requests: tuple[AssistanceRequest, ...]
    by_kind: dict[str, int]  # every kind of the catalogue, in its order
    by_section: dict[str, int]  # every section of the catalogue, in its order
    by_region: dict[str, int]  # the regions that asked, by name
    countries: int  # countries with at least one request


@dataclass(frozen=True)
class Labels:
    """The catalogue's labels of kinds and sections, in the reader's language."""

    kinds: dict[str, str]
    sections: dict[str, str]


def labels(cycle: Cycle) -> Labels:
    """Return the labels of the cycle's kinds of assistance and sections, in the reader's language."""
    catalogue = catalogue_for(cycle)
    return Labels(
        kinds={k.id: k.label for k in catalogue.assistance_kinds},
        sections={s.id: s.title for s in catalogue.sections},
    )


def check_filters(catalogue: Catalogue, region: str | None, kind: str | None) -> None:
    """Raise InvalidFilter naming each filter that names nothing (region or kind)."""
    errors = {}
    if region and region not in REGIONS:
        errors["region"] = _(
            "“%(value)s” is not a region (use one of: %(allowed)s).", value=region[:40], allowed=", ".join(REGIONS)
        )
    if kind and kind not in catalogue.assistance_by_id:
        errors["kind"] = _(
            "“%(value)s” is not a kind of assistance (use one of: %(allowed)s).",
            value=kind[:40],
            allowed=", ".join(k.id for k in catalogue.assistance_kinds),
        )
    if errors:
        raise InvalidFilter(" ".join(errors.values()), errors)


def assistance_demand(
    user: User | None, cycle: Cycle, region: str | None = None, kind: str | None = None
) -> AssistanceDemand:
    """Return the technical assistance the countries of a cycle asked for, filtered by region and kind.

    Raises Forbidden for a user who is not a reviewer or an admin, InvalidFilter
    for a region or kind that does not exist (an empty filter means all).
    """
    if user is not None and not user.is_reviewer:
        raise Forbidden(_("Only reviewers and admins can see the assistance countries requested."))
    catalogue = catalogue_for(cycle)
    region, kind = region or None, kind or None
    check_filters(catalogue, region, kind)
    reviewable = {str(s) for s in REVIEWABLE}
    assessments = {
        a.id: a
        for a in visible_assessments(user, cycle)
        if a.status in reviewable and (region is None or (a.country.region or "—") == region)
    }
    # Each country's name (in the reader's language) and sort key, once per country, not per request.
    names = {i: (a.country.name, a.country.region or "—") for i, a in assessments.items()}
    sort_keys = {a.country_iso3: name_key(names[i][0]) for i, a in assessments.items()}
    found: list[AssistanceRequest] = []
    if assessments:
        query = select(
            Answer.assessment_id, Answer.item_id, Answer.assistance_kind, Answer.assistance_description
        ).where(Answer.assessment_id.in_(sorted(assessments)), Answer.assistance_kind.is_not(None))
        if kind is not None:
            query = query.where(Answer.assistance_kind == kind)
        for assessment_id, item_id, asked, description in db.session.execute(query):
            item = catalogue.item_by_id.get(item_id)
            if item is None or asked is None or asked not in catalogue.assistance_by_id:
                continue  # an item or kind the cycle's edition does not have: nothing to count
            country, country_region = names[assessment_id]
            found.append(
                AssistanceRequest(
                    iso3=assessments[assessment_id].country_iso3,
                    country=country,
                    region=country_region,
                    section=item.section,
                    item=item.id,
                    obligations=tuple(item.obligations),
                    kind=asked,
                    description=description or "",
                )
            )
    section_order = {s.id: n for n, s in enumerate(catalogue.sections)}
    item_order = {i.id: n for n, i in enumerate(catalogue.items)}
    found.sort(key=lambda r: (sort_keys[r.iso3], r.iso3, section_order.get(r.section, 99), item_order[r.item]))
    kinds = Counter(r.kind for r in found)
    sections = Counter(r.section for r in found)
    regions = Counter(r.region for r in found)
    return AssistanceDemand(
        cycle=cycle.code,
        requests=tuple(found),
        by_kind={k.id: kinds.get(k.id, 0) for k in catalogue.assistance_kinds},
        by_section={s.id: sections.get(s.id, 0) for s in catalogue.sections},
        by_region=dict(sorted(regions.items(), key=lambda pair: pair[0].casefold())),
        countries=len({r.iso3 for r in found}),
    )
