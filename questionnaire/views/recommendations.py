"""Recommendations: made with a return or an acceptance, followed up per country and across countries.

The return and accept forms of the assessment's overview carry rows of
recommendations (`forms.ReviewStepForm`); `review_step` handles both forms for
the lifecycle routes of `views.assessment`.  The follow-up pages list a
country's recommendations with their status and comment threads, and, for
reviewers, every country's.  Who sees what is `services.recommendations`' rule:
reviewers never learn anything from a draft.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, flash, g, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from .. import services
from ..catalogue import Catalogue
from ..catalogue_store import catalogue_for
from ..forms import ReviewStepForm
from ..models import Assessment, Cycle
from ..services import recommendations as recs
from .common import login_required, reviewer_required

bp = Blueprint("recommendations", __name__)

KINDS = ("return", "accept")
SHORT_TITLE = 90  # characters of a clause shown in the list of obligations


def short_title(text: str, limit: int = SHORT_TITLE) -> str:
    """Return the start of a clause, cut at a word, to name it in a list."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def obligation_choices(catalogue: Catalogue) -> list[tuple[str, list[tuple[str, str]]]]:
    """Return the scored obligations of an edition, by instrument: (group label, [(id, label)])."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for obligation in recs.scored_obligations(catalogue):
        groups.setdefault(obligation.instrument, []).append(
            (obligation.id, f"{obligation.paragraph} — {short_title(obligation.text)}")
        )
    return [
        (f"{i.body}, {i.year}: {i.title}", groups[i.id])
        for i in catalogue.instruments
        if i.id in groups  # instruments in catalogue order
    ]


def target_choices(cycle: Cycle) -> list[tuple[str, str]]:
    """Return the cycles a recommendation may be due by: the next one, or a later cycle that exists."""
    later = [(c.code, f"{c.title} ({c.code})" if c.title else c.code) for c in recs.later_cycles(cycle)]
    return [("", _("The next cycle")), *later]


@dataclass
class ReviewForms:
    """What the overview's review section shows: the two forms, their choices, and a refusal to explain."""

    forms: dict[str, ReviewStepForm]
    obligations: list[tuple[str, list[tuple[str, str]]]]
    targets: list[tuple[str, str]]
    refused: str = ""  # the form that was refused ("return" or "accept")
    message: str = ""
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # (field id, label, message)


def field_id(kind: str, field_name: str) -> str:
    """Return the id of a field of the return or accept form (both are on one page)."""
    return f"{kind}-{field_name}"


def review_forms(assessment: Assessment) -> dict[str, Any]:
    """Return the overview's review forms (`review`), or None for a user who may not review now."""
    if not services.can_review(current_user, assessment):
        return {"review": None}
    held: ReviewForms | None = g.get("held_review")
    if held is not None:
        return {"review": held}
    return {"review": _fresh(assessment)}


def _fresh(assessment: Assessment, kind: str = "", form: ReviewStepForm | None = None) -> ReviewForms:
    forms = {k: form if k == kind and form is not None else ReviewStepForm(formdata=None) for k in KINDS}
    return ReviewForms(
        forms=forms,
        obligations=obligation_choices(catalogue_for(assessment.cycle)),
        targets=target_choices(assessment.cycle),
        refused=kind,
    )


def review_step(
    assessment: Assessment, kind: str, render_overview: Callable[[], ResponseReturnValue]
) -> ResponseReturnValue:
    """Return or accept the assessment with the recommendations typed in its form (all saved, or nothing).

    A refusal shows the overview again with every field's message and the typed
    text kept (422); "Add another recommendation" shows it with one more row.
    """
    form = ReviewStepForm()
    rows = form.typed()
    if request.form.get("more"):
        services.lifecycle.require_review(current_user, assessment)
        if len(form.recommendations) < recs.MAX_PER_STEP:
            form.recommendations.append_entry()
        g.held_review = _fresh(assessment, kind, form)
        return make_response(render_overview())
    step = recs.return_assessment if kind == "return" else recs.accept
    try:
        outcome = step(current_user, assessment, form.comment.data or "", [values for _n, values in rows])
    except services.InvalidAnswer as refused:
        return _refused(assessment, kind, form, [n for n, _values in rows], refused, render_overview)
    done = _("The assessment was returned to the country.") if kind == "return" else _("The assessment was accepted.")
    flash(done, "success")
    if outcome.recommendations:
        flash(
            ngettext(
                "%(num)d recommendation was recorded with it.",
                "%(num)d recommendations were recorded with it.",
                len(outcome.recommendations),
            ),
            "success",
        )
    return redirect(url_for("assessment.overview", cycle=assessment.cycle.code, iso3=assessment.country_iso3))


def _refused(
    assessment: Assessment,
    kind: str,
    form: ReviewStepForm,
    positions: list[int],
    refused: services.InvalidAnswer,
    render_overview: Callable[[], ResponseReturnValue],
) -> ResponseReturnValue:
    held = _fresh(assessment, kind, form)
    held.message = refused.message
    problems = refused.problems if isinstance(refused, recs.InvalidRecommendation) else {}
    if "comment" in refused.errors:
        form.comment.errors = [refused.errors["comment"]]
        held.errors.append((field_id(kind, form.comment.id), str(form.comment.label.text), refused.errors["comment"]))
    if "recommendations" in refused.errors:
        first = form.recommendations[0].form.obligation
        held.errors.append((field_id(kind, first.id), _("Recommendations"), refused.errors["recommendations"]))
    for index, fields in sorted(problems.items()):
        if index >= len(positions):
            continue
        entry = form.recommendations[positions[index]].form
        for name in recs.FIELDS:
            if name in fields:
                entry[name].errors = [fields[name]]
                label = _("Recommendation %(n)d, %(field)s", n=positions[index] + 1, field=entry[name].label.text)
                held.errors.append((field_id(kind, entry[name].id), label, fields[name]))
    g.held_review = held
    response = make_response(render_overview())
    response.status_code = 422
    return response


# --------------------------------------------------------------------------
# Follow-up pages
# --------------------------------------------------------------------------


@bp.route("/cycles/<cycle>/countries/<iso3>/recommendations")
@login_required
def country(cycle: str, iso3: str) -> ResponseReturnValue:
    """Show a country's recommendations of this cycle and the earlier ones still followed up."""
    assessment = services.assessment_for(current_user, cycle, iso3)
    return _country_page(assessment)


def _country_page(
    assessment: Assessment, typed: dict[int, str] | None = None, errors: dict[int, str] | None = None
) -> str:
    rows = recs.for_country(current_user, assessment)
    return render_template(
        "recommendations/country.html",
        assessment=assessment,
        made_here=recs.made_on(rows, assessment),
        earlier=recs.from_earlier(rows, assessment),
        typed=typed or {},
        errors=errors or {},
        statuses=[(s, recs.status_label(s)) for s in recs.STATUSES],
        catalogue_of=lambda row: catalogue_for(row.made_in),
        status_word=services.access.status_word,
    )


@bp.route("/cycles/<cycle>/countries/<iso3>/recommendations/<int:recommendation_id>/comments", methods=["POST"])
@login_required
def comment(cycle: str, iso3: str, recommendation_id: int) -> ResponseReturnValue:
    """Add a comment to a recommendation's thread (reviewers and the country alike)."""
    assessment = services.assessment_for(current_user, cycle, iso3)
    body = request.form.get("body", "")
    try:
        recs.add_comment(current_user, assessment, recommendation_id, body)
    except services.InvalidAnswer as refused:
        message = refused.errors.get("body", refused.message)
        return _country_page(assessment, {recommendation_id: body}, {recommendation_id: message}), 422
    flash(_("Your comment was added."), "success")
    target = url_for(".country", cycle=assessment.cycle.code, iso3=assessment.country_iso3)
    return redirect(f"{target}#recommendation-{recommendation_id}")


@bp.route("/cycles/<cycle>/recommendations")
@reviewer_required
def across(cycle: str) -> ResponseReturnValue:
    """Show every country's recommendations of a cycle and their follow-up, filtered by status and priority."""
    found = services.find_cycle(cycle)
    status = request.args.get("status", "")
    priority = request.args.get("priority", "")
    status = status if status in recs.STATUSES else ""
    priority = priority if priority in recs.PRIORITIES else ""
    rows = recs.across_countries(found, status=status, priority=priority)
    counts: dict[str, int] = {}
    for row in recs.across_countries(found) if (status or priority) else rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    return render_template(
        "recommendations/cycle.html",
        cycle=found,
        rows=rows,
        status=status,
        priority=priority,
        counts=counts,
        statuses=[(s, recs.status_label(s)) for s in recs.STATUSES],
        priorities=[(p, recs.priority_label(p)) for p in recs.PRIORITIES],
    )
