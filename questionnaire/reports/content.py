"""What a report says, built from plain inputs (catalogue, scores, answers, comments, comparison).

Nothing here queries the database or knows about HTTP: `collect.py` gathers the
inputs through the services, the templates lay the result out.  The privacy rules
live here: a report shown to a country prints only the means its cycle published
when it first closed (means that moved with every submission could be differenced
to give away the newcomer's scores), and never a mean computed over fewer than
`MIN_COUNTRIES_FOR_MEAN` countries, since with one or two others it would reveal
their scores.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any
from unicodedata import bidirectional
from urllib.parse import urlsplit

from ..catalogue import AssistanceKind, Band, Catalogue, Instrument, Item, Obligation
from ..services.review import CompareRow, ComparisonTable

COUNTRY = "country"  # the country's own respondents
REVIEWER = "reviewer"  # reviewers, admins and the operator
AUDIENCES = (COUNTRY, REVIEWER)
MIN_COUNTRIES_FOR_MEAN = 3
OVERALL = "overall"


@dataclass(frozen=True)
class CommentView:
    """One message of an item's thread, as the report shows it."""

    author: str  # "reviewer", "country" or "" (account removed)
    at: datetime
    body: str


@dataclass(frozen=True)
class EvidenceEntry:
    """A file shared with the reviewers, as a report lists it (never an internal one: services.evidence)."""

    item_id: str
    title: str
    document_date: date | None
    filename: str
    sha256: str


def evidence_entry(info: Any) -> EvidenceEntry:
    """Describe a shared evidence file (a `services.evidence.FileInfo`)."""
    return EvidenceEntry(info.item, info.title, info.document_date, info.filename, info.sha256)


@dataclass(frozen=True)
class ItemAnswer:
    """A checklist item with what the country answered about it."""

    item: Item
    section_title: str
    rating: str | None
    rating_label: str
    description: str
    legal_references: tuple[str, ...]
    evidence_links: tuple[str, ...]
    justification: str
    assistance: AssistanceKind | None
    assistance_description: str
    comments: tuple[CommentView, ...]
    evidence_files: tuple[EvidenceEntry, ...] = ()  # shared with the reviewers only

    @property
    def answered(self) -> bool:
        return self.rating is not None


@dataclass(frozen=True)
class GapEntry:
    """One gap: an obligation below full implementation, with the items behind it."""

    rank: int
    obligation: Obligation
    instrument: Instrument
    score: float
    shortfall: float
    weight: float
    priority: float
    core: bool
    critical: bool
    items: tuple[ItemAnswer, ...]
    recommendations: tuple[RecommendationEntry, ...] = ()  # reviewers' on this obligation, made on this assessment

    @property
    def title(self) -> str:
        """What the clause asks, in the report's language: the gap's title."""
        return clause_title(self.obligation)

    @property
    def actions(self) -> tuple[str, ...]:
        """The catalogue's recommended action of each item behind the gap, once each."""
        return tuple(dict.fromkeys(a.item.action for a in self.items if a.item.action))


def clause_title(obligation: Obligation) -> str:
    """Return what a clause asks as a title: its text, capitalised, without the list's trailing punctuation."""
    text = " ".join(obligation.text.split()).rstrip(" ;,:.؛،")
    return text[:1].upper() + text[1:] if text else obligation.paragraph


#: Why a country's report withholds a mean.
TOO_FEW = "too-few"  # fewer than MIN_COUNTRIES_FOR_MEAN countries make it up
UNPUBLISHED = "unpublished"  # the cycle has not closed yet, so no means are published


@dataclass(frozen=True)
class Mean:
    """A mean over several countries, or why it is not shown."""

    value: float | None
    countries: int
    withheld: str = ""  # TOO_FEW or UNPUBLISHED in a country's report; "" when shown

    @property
    def hidden(self) -> bool:
        return bool(self.withheld)


@dataclass(frozen=True)
class ScoreRow:
    """One bar of the summary chart: a section (or the overall score) and its comparators."""

    id: str
    title: str
    score: float | None
    regional: Mean
    global_: Mean


@dataclass(frozen=True)
class RecommendationEntry:
    """A reviewers' recommendation on an obligation and where it stands (services.recommendations)."""

    id: int
    obligation_id: str
    obligation: Obligation | None  # in the report's language, from the edition it was made in
    instrument: Instrument | None
    text: str
    priority: str
    priority_label: str
    target_cycle: str  # "" for the next cycle
    made_in: str  # the code of the cycle it was made in
    created_at: datetime
    status: str
    status_label: str
    followed_up_in: str | None  # the code of the cycle whose answers the status comes from
    score_before: float | None
    score_after: float | None


def recommendation_entry(row: Any) -> RecommendationEntry:
    """Describe a followed-up recommendation (a `services.recommendations.FollowedUp`)."""
    return RecommendationEntry(
        id=row.id,
        obligation_id=row.obligation_id,
        obligation=row.obligation,
        instrument=row.instrument,
        text=row.text,
        priority=row.priority,
        priority_label=row.priority_label,
        target_cycle=row.target_cycle or "",
        made_in=row.made_in.code,
        created_at=row.created_at,
        status=str(row.status),
        status_label=row.status_label,
        followed_up_in=row.followed_up_cycle,
        score_before=row.score_before,
        score_after=row.score_after,
    )


@dataclass(frozen=True)
class DeclarationView:
    """Who signed the latest submission: printed on the cover."""

    name: str
    position: str
    ministry: str
    at: datetime


@dataclass(frozen=True)
class AssistanceGroup:
    kind: AssistanceKind
    items: tuple[ItemAnswer, ...]


@dataclass(frozen=True)
class CountryReport:
    """Everything one country's gap report shows."""

    audience: str
    country_name: str
    iso3: str
    region: str
    cycle_code: str
    cycle_title: str
    status: str
    submitted_at: datetime | None
    generated_at: datetime
    edition: str
    edition_title: str
    language: str  # the language of the catalogue's texts in the report
    translation: str  # the revision of that language's translation file ("" for English)
    overall: float | None
    band: Band | None
    uncapped_band: Band | None
    capped_by: tuple[Obligation, ...]
    rows: tuple[ScoreRow, ...]  # the overall score first, then each section
    countries_compared: int  # countries the means are taken over
    means_published_at: datetime | None  # when the means a country sees were published
    counts: Mapping[str, int]
    gaps: tuple[GapEntry, ...]
    assistance: tuple[AssistanceGroup, ...]
    missing: tuple[ItemAnswer, ...]
    unjustified_not_applicable: tuple[ItemAnswer, ...]
    unsupported: tuple[ItemAnswer, ...]
    instruments: tuple[Instrument, ...]

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"

    @property
    def is_final(self) -> bool:
        """Tell whether the answers are with the reviewers (not a draft, not returned)."""
        return self.status in ("submitted", "accepted")

    @property
    def means_unpublished(self) -> bool:
        return any(row.global_.withheld == UNPUBLISHED for row in self.rows)

    @property
    def too_few_for_means(self) -> bool:
        return any(TOO_FEW in (row.regional.withheld, row.global_.withheld) for row in self.rows)

    @property
    def regional_hidden(self) -> bool:
        return any(row.regional.hidden for row in self.rows)

    @property
    def global_hidden(self) -> bool:
        return any(row.global_.hidden for row in self.rows)

    @property
    def section_rows(self) -> tuple[ScoreRow, ...]:
        return tuple(r for r in self.rows if r.id != OVERALL)

    @property
    def regional_countries(self) -> int:
        return max((r.regional.countries for r in self.rows), default=0)

    catalogue: Catalogue | None = field(default=None, repr=False, compare=False)  # in the report's language
    # Reviewers' recommendations: made on this assessment, and earlier ones followed up (services.recommendations).
    recommendations: tuple[RecommendationEntry, ...] = ()
    earlier_recommendations: tuple[RecommendationEntry, ...] = ()
    # The evidence files shared with the reviewers, item by item in the catalogue's order (services.evidence).
    evidence: tuple[EvidenceEntry, ...] = ()
    # The declaration signed with the latest submission (services.declarations), None without one.
    declaration: DeclarationView | None = None


def text_direction_of(text: str | None, default: str = "ltr") -> str:
    """Return 'rtl' or 'ltr' from the first strongly directional letter (HTML's dir="auto" rule).

    WeasyPrint has no dir="auto" or unicode-bidi: plaintext, so what people
    typed gets its direction from here: Arabic answers read right to left in an
    English report, English answers left to right in an Arabic one.
    """
    for char in text or "":
        kind = bidirectional(char)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return default


def safe_links(links: Iterable[str]) -> tuple[str, ...]:
    """Keep only http(s) links with a host (they were validated on save; check again)."""
    kept = []
    for link in links or ():
        try:
            parts = urlsplit(link)
        except ValueError:
            continue
        if parts.scheme.lower() in ("http", "https") and parts.hostname:
            kept.append(link)
    return tuple(kept)


def comment_author(role: str | None) -> str:
    """Name the side a comment came from (reviewers and admins are the secretariat)."""
    if role in ("reviewer", "admin"):
        return "reviewer"
    if role == "respondent":
        return "country"
    return ""


def item_answer(
    catalogue: Catalogue, item_id: str, answer: Any | None, comments: Sequence[Any] = (), files: Sequence[Any] = ()
) -> ItemAnswer:
    """Describe an item and the stored answer (an Answer row, or None when unanswered)."""
    item = catalogue.item_by_id[item_id]
    rating = getattr(answer, "rating", None) if answer is not None else None
    level = catalogue.level_by_id.get(rating) if rating else None
    kind_id = getattr(answer, "assistance_kind", None) if answer is not None else None
    return ItemAnswer(
        item=item,
        section_title=catalogue.section_by_id[item.section].title,
        rating=rating,
        rating_label=level.label if level else (rating or ""),
        description=(answer.description or "") if answer is not None else "",
        legal_references=tuple(answer.legal_references or ()) if answer is not None else (),
        evidence_links=safe_links(answer.evidence_links or ()) if answer is not None else (),
        justification=(answer.justification or "") if answer is not None else "",
        assistance=catalogue.assistance_by_id.get(kind_id) if kind_id else None,
        assistance_description=(answer.assistance_description or "") if answer is not None else "",
        comments=tuple(
            CommentView(author=comment_author(getattr(c.user, "role", None)), at=c.at, body=c.body) for c in comments
        ),
        evidence_files=tuple(evidence_entry(f) for f in files if f.shared),
    )


def _band(catalogue: Catalogue, band_id: str | None) -> Band | None:
    return next((b for b in catalogue.bands if b.id == band_id), None) if band_id else None


def _mean_lookup(means: Sequence[Mapping[str, Any]]) -> dict[str, float | None]:
    return {m["id"]: m["score"] for m in means}


def _mean(entry: Mapping[str, Any] | None, audience: str, published: bool) -> Mean:
    if audience == COUNTRY and not published:
        return Mean(None, 0, withheld=UNPUBLISHED)
    value = entry.get("score") if entry else None
    countries = int(entry.get("countries", 0)) if entry else 0
    if audience == COUNTRY and countries < MIN_COUNTRIES_FOR_MEAN:
        return Mean(None, countries, withheld=TOO_FEW)
    return Mean(value, countries)


def score_rows(
    scores: Mapping[str, Any],
    means: Mapping[str, Any] | None,
    region: str,
    audience: str,
    overall_title: str = "Overall",
    section_titles: Mapping[str, str] | None = None,
) -> tuple[ScoreRow, ...]:
    """Pair the country's overall and section scores with the regional and global means.

    `means` is a summary of means by area (`services.means_summary`): for a
    country's report, the one its cycle published (None before it closes); for
    reviewers, the live comparison's.
    """
    published = means is not None
    global_means = (means or {}).get("global", {})
    regional_means = (means or {}).get("regional", {}).get(region, {})
    areas = [(OVERALL, overall_title, scores.get("overall"))]
    # Scores are stored with English titles: the report names each area in its own language.
    titles = section_titles or {}
    areas += [(s["id"], titles.get(s["id"], s["title"]), s["score"]) for s in scores.get("sections", [])]
    return tuple(
        ScoreRow(
            id=area,
            title=title,
            score=value,
            regional=_mean(regional_means.get(area), audience, published),
            global_=_mean(global_means.get(area), audience, published),
        )
        for area, title, value in areas
    )


def build_country_report(
    *,
    catalogue: Catalogue,
    assessment: Any,
    scores: Mapping[str, Any],
    answers: Mapping[str, Any],
    comments: Mapping[str, Sequence[Any]],
    means: Mapping[str, Any] | None,
    audience: str,
    generated_at: datetime,
    overall_title: str = "Overall",
    means_published_at: datetime | None = None,
    recommendations: Sequence[Any] = (),
    declaration: Any | None = None,
    evidence: Mapping[str, Sequence[Any]] | None = None,
) -> CountryReport:
    """Assemble a country's gap report from its scores, answers, comments and the means beside them."""
    if audience not in AUDIENCES:
        raise ValueError(f"unknown audience {audience!r}")
    region = assessment.country.region or "—"

    def answer_of(item_id: str) -> ItemAnswer:
        return item_answer(
            catalogue, item_id, answers.get(item_id), comments.get(item_id, ()), (evidence or {}).get(item_id, ())
        )

    made_here = tuple(
        recommendation_entry(r) for r in recommendations if r.recommendation.assessment_id == assessment.id
    )
    gaps = []
    for gap in scores.get("gaps", []):
        obligation = catalogue.obligation_by_id[gap["obligation"]]
        gaps.append(
            GapEntry(
                rank=gap["rank"],
                obligation=obligation,
                instrument=catalogue.instrument_by_id[obligation.instrument],
                score=gap["score"],
                shortfall=gap["shortfall"],
                weight=gap["weight"],
                priority=gap["priority"],
                core=gap["core"],
                critical=gap["critical"],
                items=tuple(answer_of(i) for i in gap["items"] if i in catalogue.item_by_id),
                recommendations=tuple(r for r in made_here if r.obligation_id == obligation.id),
            )
        )

    groups = []
    for kind in catalogue.assistance_kinds:
        members = tuple(
            answer_of(item.id)
            for item in catalogue.items
            if (a := answers.get(item.id)) is not None and a.assistance_kind == kind.id
        )
        if members:
            groups.append(AssistanceGroup(kind, members))

    flags = scores.get("flags", {})
    rows = score_rows(
        scores, means, region, audience, overall_title, section_titles={s.id: s.title for s in catalogue.sections}
    )
    return CountryReport(
        audience=audience,
        country_name=assessment.country.name,
        iso3=assessment.country_iso3,
        region=region,
        cycle_code=assessment.cycle.code,
        cycle_title=assessment.cycle.title,
        status=str(assessment.status),
        submitted_at=assessment.submitted_at,
        generated_at=generated_at,
        edition=catalogue.hash,
        edition_title=catalogue.title,
        language=catalogue.language,
        translation=catalogue.translation_revision,
        catalogue=catalogue,
        overall=scores.get("overall"),
        band=_band(catalogue, scores.get("band")),
        uncapped_band=_band(catalogue, scores.get("uncapped_band")),
        capped_by=tuple(
            catalogue.obligation_by_id[o] for o in scores.get("capped_by", []) if o in catalogue.obligation_by_id
        ),
        rows=rows,
        countries_compared=int((means or {}).get("countries", 0)),
        means_published_at=means_published_at,
        counts=dict(scores.get("counts", {})),
        gaps=tuple(gaps),
        assistance=tuple(groups),
        missing=tuple(answer_of(i) for i in flags.get("missing", []) if i in catalogue.item_by_id),
        unjustified_not_applicable=tuple(
            answer_of(i) for i in flags.get("unjustified_not_applicable", []) if i in catalogue.item_by_id
        ),
        unsupported=tuple(answer_of(i) for i in flags.get("unsupported", []) if i in catalogue.item_by_id),
        instruments=catalogue.instruments,
        recommendations=made_here,
        earlier_recommendations=tuple(
            recommendation_entry(r) for r in recommendations if r.recommendation.assessment_id != assessment.id
        ),
        evidence=tuple(
            evidence_entry(f) for item in catalogue.items for f in (evidence or {}).get(item.id, ()) if f.shared
        ),
        declaration=(
            DeclarationView(declaration.name, declaration.position, declaration.ministry, declaration.at)
            if declaration is not None and str(assessment.status) != "draft"
            else None
        ),
    )


# --------------------------------------------------------------------------
# The comparison report of a meeting pack
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class RegionMeans:
    region: str
    countries: int
    overall: float | None
    sections: Mapping[str, float | None]


@dataclass(frozen=True)
class CommonGap:
    """An obligation many countries fall short of."""

    obligation: Obligation
    instrument: Instrument
    countries: tuple[str, ...]
    critical: int  # how many of those gaps are critical
    mean_score: float


@dataclass(frozen=True)
class BandShare:
    """How many of the countries compared fall in a band (`band` None: not scored)."""

    band: Band | None
    count: int


@dataclass(frozen=True)
class Participation:
    """Where the member countries (of the pack's region) stand: what the secretariat may know."""

    members: int
    not_submitted: int
    submitted: int
    returned: int
    accepted: int
    late: int
    on_time: int
    waiting: tuple[str, ...]  # the names of the countries that have not submitted

    @property
    def reached(self) -> int:
        return self.submitted + self.returned + self.accepted


@dataclass(frozen=True)
class AssistanceSummary:
    """The technical assistance the countries compared asked for (services.assistance), counted."""

    requests: int
    countries: int
    by_kind: tuple[tuple[AssistanceKind, int], ...]  # every kind asked for, most asked first
    by_section: tuple[tuple[str, int], ...]  # (section title, count), most asked first
    by_region: tuple[tuple[str, int], ...]  # (region key, count), most asked first


@dataclass(frozen=True)
class ComparisonReport:
    cycle_code: str
    cycle_title: str
    edition: str
    edition_title: str
    language: str  # the language of the catalogue's texts in the report
    translation: str  # the revision of that language's translation file ("" for English)
    generated_at: datetime
    sections: tuple[tuple[str, str], ...]  # (id, title)
    countries: tuple[CompareRow, ...]  # services.review's rows, highest overall score first
    global_means: RegionMeans
    regional_means: tuple[RegionMeans, ...]
    common_gaps: tuple[CommonGap, ...]
    bands: tuple[Band, ...]
    catalogue: Catalogue | None = field(default=None, repr=False, compare=False)  # in the report's language
    region: str = ""  # the one region the pack covers; "" for all
    previous_cycle: str | None = None  # the cycle the changes are measured against
    distribution: tuple[BandShare, ...] = ()
    participation: Participation | None = None
    assistance: AssistanceSummary | None = None

    def name_of(self, iso3: str) -> str:
        """Return a compared country's name in the report's language (its code if it is not compared)."""
        return next((row.name for row in self.countries if row.iso3 == iso3), iso3)

    def band_by_id(self, band_id: str | None) -> Band | None:
        """Return a band of the catalogue by its id (a row's band, which a core obligation may cap)."""
        return next((b for b in self.bands if b.id == band_id), None)

    def band_of(self, score: float | None) -> Band | None:
        """Return the band a score falls in (the heat map's colour), None without a score."""
        if score is None:
            return None
        return next((b for b in sorted(self.bands, key=lambda b: -b.min_score) if score >= b.min_score), None)


def participation_of(summary: Any, countries: Sequence[Any]) -> Participation:
    """Describe a `services.participation` summary and its countries (those not submitted are named)."""
    return Participation(
        members=summary.members,
        not_submitted=summary.not_submitted,
        submitted=summary.submitted,
        returned=summary.returned,
        accepted=summary.accepted,
        late=summary.late,
        on_time=summary.on_time,
        waiting=tuple(c.name for c in countries if not c.reached_reviewers),
    )


def assistance_of(catalogue: Catalogue, demand: Any) -> AssistanceSummary:
    """Count a `services.assistance.AssistanceDemand` by kind, section and region, most asked first."""

    def ranked(counts: Mapping[str, int]) -> list[tuple[str, int]]:
        return sorted(((k, n) for k, n in counts.items() if n), key=lambda kv: (-kv[1], kv[0]))

    titles = {s.id: s.title for s in catalogue.sections}
    return AssistanceSummary(
        requests=len(demand.requests),
        countries=demand.countries,
        by_kind=tuple(
            (catalogue.assistance_by_id[k], n) for k, n in ranked(demand.by_kind) if k in catalogue.assistance_by_id
        ),
        by_section=tuple((titles.get(k, k), n) for k, n in ranked(demand.by_section)),
        by_region=tuple(ranked(demand.by_region)),
    )


def build_comparison_report(
    *,
    catalogue: Catalogue,
    cycle: Any,
    table: ComparisonTable,
    scores: Mapping[str, Mapping[str, Any]],
    generated_at: datetime,
    common_gaps: int = 15,
    participation: Participation | None = None,
    assistance: AssistanceSummary | None = None,
) -> ComparisonReport:
    """Assemble the comparison of a cycle's countries from the review table (for reviewers: every mean is shown).

    `table` is `services.review.comparison_table`, already narrowed to the pack's region;
    `scores` are the scores of its countries, by code (for the common gaps).
    """
    sections = tuple((s.id, s.title) for s in catalogue.sections)
    rows = tuple(table.rows)

    def means(region: str, data: Mapping[str, float | None], members: int) -> RegionMeans:
        return RegionMeans(region, members, data.get(OVERALL), {sid: data.get(sid) for sid, _ in sections})

    regional = tuple(
        means(m.region, m.means, m.count) for m in table.regional_means if not table.region or m.region == table.region
    )
    tally: dict[str, list[tuple[str, Mapping[str, Any]]]] = {}
    shown = {r.iso3 for r in rows}
    for iso3, data in scores.items():
        if iso3 not in shown:
            continue
        for gap in data.get("gaps", []):
            tally.setdefault(gap["obligation"], []).append((iso3, gap))
    ranked = sorted(
        tally.items(),
        key=lambda kv: (-len(kv[1]), -sum(g["priority"] for _, g in kv[1]) / len(kv[1]), kv[0]),
    )
    common = []
    for obligation_id, entries in ranked[:common_gaps]:
        if obligation_id not in catalogue.obligation_by_id:
            continue
        obligation = catalogue.obligation_by_id[obligation_id]
        common.append(
            CommonGap(
                obligation=obligation,
                instrument=catalogue.instrument_by_id[obligation.instrument],
                countries=tuple(sorted(iso3 for iso3, _ in entries)),
                critical=sum(1 for _, g in entries if g["critical"]),
                mean_score=round(sum(g["score"] for _, g in entries) / len(entries), 1),
            )
        )
    report = ComparisonReport(
        cycle_code=cycle.code,
        cycle_title=cycle.title,
        edition=catalogue.hash,
        edition_title=catalogue.title,
        language=catalogue.language,
        translation=catalogue.translation_revision,
        catalogue=catalogue,
        generated_at=generated_at,
        sections=sections,
        countries=rows,
        global_means=means("", table.global_means, table.total),
        regional_means=regional,
        common_gaps=tuple(common),
        bands=catalogue.bands,
        region=table.region,
        previous_cycle=table.previous_cycle,
        participation=participation,
        assistance=assistance,
    )
    by_band: dict[str | None, int] = {}
    for row in rows:
        band = report.band_of(row.overall)
        by_band[band.id if band else None] = by_band.get(band.id if band else None, 0) + 1
    shares = [BandShare(b, by_band.get(b.id, 0)) for b in sorted(catalogue.bands, key=lambda b: -b.min_score)]
    if by_band.get(None):
        shares.append(BandShare(None, by_band[None]))
    return replace(report, distribution=tuple(shares))
