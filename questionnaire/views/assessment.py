"""One country's assessment: overview, questionnaire sections, lifecycle, comments, history."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, abort, flash, g, jsonify, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from .. import services
from ..caching import LruCache
from ..catalogue import Catalogue, Item, Section
from ..catalogue_store import catalogue_for
from ..forms import DeclarationForm, field_name, fill, item_fields, section_form_class
from ..models import Answer, Assessment
from ..services import AnswerInput, Edit, StaleAnswer, checklist, declarations, threads
from ..services import evidence as evidence_files
from ..services.recommendations import recommendations_by_item
from .common import login_required
from .recommendations import review_forms, review_step

bp = Blueprint("assessment", __name__, url_prefix="/cycles/<cycle>/countries/<iso3>")


def _load(cycle: str, iso3: str) -> Assessment:
    return services.assessment_for(current_user, cycle, iso3)


def _answer_view(answer: Any) -> dict[str, Any] | None:
    if answer is None:
        return None
    return {
        "values": AnswerInput.of(answer),
        "version": answer.version,
        "by": answer.updated_by.email if answer.updated_by else "",
        "at": answer.updated_at,
    }


@bp.route("/start", methods=["POST"])
@login_required
def start(cycle: str, iso3: str) -> ResponseReturnValue:
    """Start the country's assessment in this cycle (does nothing if it exists)."""
    found = services.find_cycle(cycle)
    assessment, created = services.start_assessment(current_user, found, iso3)
    if created:
        flash(_("The assessment was started. Your answers are saved as a draft until you submit."), "success")
    return redirect(url_for(".overview", cycle=found.code, iso3=assessment.country_iso3))


@bp.route("/")
@login_required
def overview(cycle: str, iso3: str) -> ResponseReturnValue:
    """Show status, progress per section, and the actions open to the user."""
    assessment = _load(cycle, iso3)
    catalogue = catalogue_for(assessment.cycle)
    answers = services.answers_of(assessment)
    progress = services.progress(assessment, answers)
    scores = services.scores_of(assessment)
    next_item = _next_unanswered(progress)
    return render_template(
        "assessment/overview.html",
        assessment=assessment,
        catalogue=catalogue,
        progress=progress,
        scores=scores,
        events=services.events(assessment),
        next_item=next_item,
        can_edit=services.can_edit(current_user, assessment),
        can_review=services.can_review(current_user, assessment),
        comment_counts={k: len(v) for k, v in services.comments_of(assessment).items()},
        unconfirmed=services.carry.unconfirmed(assessment) if services.can_edit(current_user, assessment) else [],
        previous_cycle=_visible_previous_cycle(assessment),
        returned=threads.return_notice(assessment),  # the reviewers' reason and the threads still open
        declaration=declarations.latest_declaration(assessment),
        declared=declarations.declarations_by_event(assessment),
        **review_forms(assessment),  # the return and accept forms, with their recommendations
    )


def _visible_previous_cycle(assessment: Assessment) -> str:
    """Return the code of the earlier cycle this assessment is compared with, if the user may see it."""
    previous = services.carry.previous_assessment(assessment)
    return previous.cycle.code if previous is not None and services.can_view(current_user, previous) else ""


def _next_unanswered(progress: list[services.lifecycle.SectionProgress]) -> tuple[str, str] | None:
    for section in progress:
        if section.first_unanswered:
            return section.id, section.first_unanswered
    return None


def _load_section(cycle: str, iso3: str, section: str) -> tuple[Assessment, tuple[str, ...] | None]:
    """Return the assessment, and for a contributor the items of the section assigned to them (else None)."""
    if not current_user.is_contributor:
        return _load(cycle, iso3), None
    assessment = services.find_assessment(cycle, iso3)
    if assessment is None:
        raise services.NotFound(_("No such assessment."))
    return assessment, tuple(services.team.require_contributor_section(current_user, assessment, section))


def _load_item(cycle: str, iso3: str, item: str) -> Assessment:
    """Return the assessment if the user may read this item of it (a contributor: an item assigned to them)."""
    if not current_user.is_contributor:
        return _load(cycle, iso3)
    assessment = services.find_assessment(cycle, iso3)
    if assessment is None or not services.access.can_view_item(current_user, assessment, item):
        raise services.NotFound(_("No such assessment."))
    return assessment


def _section_or_404(catalogue: Catalogue, section: str) -> Any:
    found = catalogue.section_by_id.get(section)
    if found is None:
        abort(404)
    return found


def _section_setup(
    cycle: str, iso3: str, section: str
) -> tuple[Assessment, Catalogue, Section, tuple[Item, ...], Any, bool]:
    """Return what a section page starts from: the assessment, its edition, the section, the items the
    user may see in it (a contributor: those assigned to them), their form class and whether they may edit."""
    assessment, shown = _load_section(cycle, iso3, section)
    catalogue = catalogue_for(assessment.cycle)
    found = _section_or_404(catalogue, section)
    items = catalogue.items_in(found.id)
    if shown is None:
        return (
            assessment,
            catalogue,
            found,
            items,
            section_form_class(catalogue, found.id),
            services.can_edit(current_user, assessment),
        )
    items = tuple(i for i in items if i.id in shown)  # a contributor: only the items assigned to them
    editable = services.access.can_edit_item(current_user, assessment, shown[0])
    return assessment, catalogue, found, items, section_form_class(catalogue, found.id, shown), editable


def _stored_form(assessment: Assessment, items: tuple[Item, ...], form_class: Any) -> tuple[Any, dict[str, Answer]]:
    """Build a section's form filled with the stored answers."""
    answers = services.answers_of(assessment, [i.id for i in items])
    form = form_class(formdata=None)
    for item, subform in item_fields(form, items):
        answer = answers.get(item.id)
        fill(subform, AnswerInput.of(answer), answer.version if answer else 0)
    return form, answers


@bp.route("/sections/<section>", methods=["GET", "POST"])
@login_required
def section(cycle: str, iso3: str, section: str) -> ResponseReturnValue:
    """Show one section of the questionnaire; save it (explicitly or by autosave)."""
    assessment, catalogue, found, items, form_class, editable = _section_setup(cycle, iso3, section)
    autosave = request.headers.get("X-Autosave") == "1"

    if request.method == "POST":
        services.access.require_edit(current_user, assessment, [i.id for i in items])
        if autosave:
            # Autosave answers in JSON: parse only the items it sent.
            posted = tuple(i.id for i in items if f"{field_name(i.id)}-version" in request.form)
            items = tuple(i for i in items if i.id in posted)
            form_class = section_form_class(catalogue, found.id, posted)
        form = form_class()
        if not form.validate():
            # Only the CSRF token can fail here; the expired-token handler covers it.
            abort(400)
        comment_on = None if autosave else request.form.get("comment_on")
        if comment_on is not None and comment_on not in {i.id for i in items}:
            abort(404)
        confirm = None if autosave else request.form.get("confirm")
        if confirm is not None and confirm != CONFIRM_SECTION and confirm not in {i.id for i in items}:
            abort(404)
        return _save_section(assessment, catalogue, found, items, form, autosave, comment_on, confirm)

    def stored_form() -> tuple[Any, dict[str, Answer]]:
        """Build the form filled with the stored answers (only when the page is not cached)."""
        return _stored_form(assessment, items, form_class)

    return _render_section(assessment, catalogue, found, items, None, None, editable, build=stored_form)


def comment_field(item_id: str) -> str:
    """Return the name of an item's comment box inside the section form."""
    return f"{field_name(item_id)}-comment"


def _autosaved_items(items: tuple[Any, ...]) -> list[str]:
    """Return the items the page says autosave stored during this visit (the script keeps the list)."""
    ids = {i.id for i in items}
    return [i for i in dict.fromkeys(request.form.get("autosaved", "").split()) if i in ids]


def _save_state(
    edits: list[Edit], errors: dict[str, Any], stored: dict[str, Any], autosaved: list[str]
) -> dict[str, list[str]]:
    """Say, for a Save that stored nothing, which answers are stored already and which are still waiting."""
    typed = {e.item: e for e in edits}
    kept = [i for i in autosaved if i in typed and typed[i].values == AnswerInput.of(stored.get(i))]
    waiting = [
        e.item
        for e in edits
        if e.item not in errors
        and e.values != AnswerInput.of(stored.get(e.item))
        and (e.original is None or e.values.digest() != e.original)
    ]
    return {"kept": kept, "waiting": waiting}


def _saved_message(count: int, section_title: str, autosaved: list[str]) -> tuple[str, str]:
    """Say exactly what a successful Save stored, counting what autosave had stored before it."""
    already = ", ".join(autosaved)
    if count and autosaved:
        return (
            ngettext(
                "Saved %(num)d answer in “%(s)s”; %(items)s had been saved automatically before.",
                "Saved %(num)d answers in “%(s)s”; %(items)s had been saved automatically before.",
                count,
                s=section_title,
                items=already,
            ),
            "success",
        )
    if count:
        return (
            ngettext("Saved %(num)d answer in “%(s)s”.", "Saved %(num)d answers in “%(s)s”.", count, s=section_title),
            "success",
        )
    if autosaved:
        return (
            ngettext(
                "Everything is saved: %(items)s was saved automatically as you typed; nothing else had changed.",
                "Everything is saved: %(items)s were saved automatically as you typed; nothing else had changed.",
                len(autosaved),
                items=already,
            ),
            "success",
        )
    return _("Nothing had changed; nothing was saved."), "info"


def _save_section(
    assessment: Assessment,
    catalogue: Catalogue,
    found: Section,
    items: tuple[Item, ...],
    form: Any,
    autosave: bool,
    comment_on: str | None = None,
    confirm: str | None = None,
) -> ResponseReturnValue:
    # An item whose fields were not sent at all (a partial post) is left as it is.
    edits = [
        Edit(item.id, subform.form.values(), subform.form.based_on(), subform.form.original.data or None)
        for item, subform in item_fields(form, items)
        if subform.form.version.name in request.form
    ]
    errors: dict[str, dict[str, str]] = {}
    for edit in edits:
        problems = services.validate(edit.values, catalogue)
        if problems:
            errors[edit.item] = problems
    conflicts: dict[str, Any] = {}
    if errors and autosave:
        # Autosave keeps what it can: the valid answers are saved, the others wait for the
        # Save button, which shows every problem and saves nothing until all are right.
        return _autosave_valid_only(assessment, catalogue, [e for e in edits if e.item not in errors], errors)
    autosaved = [] if autosave else _autosaved_items(items)
    comment_text = request.form.get(comment_field(comment_on), "") if comment_on else ""
    if not errors:
        try:
            result = services.save_answers(current_user, assessment, edits, source="autosave" if autosave else "form")
        except StaleAnswer as stale:
            conflicts[stale.item] = stale.current
        else:
            if autosave:
                return jsonify(
                    {
                        "saved": [
                            e.item for e in edits if e.item in result.versions and e.item not in result.unchanged
                        ],
                        "versions": result.versions,
                        "originals": result.fingerprints,
                        "errors": {},
                        "conflicts": {},
                        "message": _("All changes saved"),
                    }
                )
            message, category = _saved_message(len(result.saved), found.title, autosaved)
            if confirm:
                return _confirm_carried(assessment, found, items, confirm, message if result.saved else None)
            if comment_on:
                return _send_comment(assessment, found, comment_on, comment_text, message, category)
            flash(message, category)
            if request.form.get("then") == "next":
                following = _following_section(catalogue, found.id)
                if following:
                    return redirect(
                        url_for(
                            ".section", cycle=assessment.cycle.code, iso3=assessment.country_iso3, section=following
                        )
                    )
                return redirect(url_for(".overview", cycle=assessment.cycle.code, iso3=assessment.country_iso3))
            return redirect(
                url_for(".section", cycle=assessment.cycle.code, iso3=assessment.country_iso3, section=found.id)
                + _place_kept(items)
            )

    # Errors or a conflict: nothing was saved; give the typed text back.
    for item_id, problems in errors.items():
        subform = form[field_name(item_id)]
        for name, message in problems.items():
            subform[name].errors = [message]
    for item_id, current in conflicts.items():
        subform = form[field_name(item_id)]
        # Saving again on purpose replaces the other version with what is typed.
        subform.form.version.data = str(current.version if current is not None else 0)
        subform.form.original.data = ""
    if autosave:
        return jsonify(
            {
                "saved": [],
                "errors": errors,
                "conflicts": _conflict_snippets(catalogue, conflicts),
                "message": _autosave_refusal(errors, conflicts),
            }
        ), (409 if conflicts else 422)
    status = 409 if conflicts else 422
    answers = services.answers_of(assessment, [i.id for i in items])
    return _render_section(
        assessment,
        catalogue,
        found,
        items,
        form,
        answers,
        True,
        status=status,
        attention=Attention(
            conflicts={k: _answer_view(v) for k, v in conflicts.items()},
            save_state=_save_state(edits, errors, answers, autosaved),
            comments_typed={comment_on: comment_text} if comment_on else {},
            comment_held=comment_on,
        ),
    )


def _place_kept(items: tuple[Item, ...]) -> str:
    """Return the anchor of the item the user was working on when they saved (the script sends it), or ""."""
    at = request.form.get("at_item", "")
    return f"#item-{at}" if at in {i.id for i in items} else ""


def _send_comment(
    assessment: Assessment, found: Section, item_id: str, text: str, saved_message: str, category: str
) -> ResponseReturnValue:
    """Send the comment typed beside an item, once the section's answers are saved with it."""
    base: dict[str, Any] = {"cycle": assessment.cycle.code, "iso3": assessment.country_iso3, "section": found.id}
    try:
        services.add_comment(current_user, assessment, item_id, text)
    except services.InvalidAnswer as refused:
        flash(saved_message, category)
        flash(_("Your comment on %(item)s was not sent: %(reason)s", item=item_id, reason=refused.message), "error")
        return redirect(url_for(".section", **base) + f"#thread-{item_id}")
    flash(saved_message, category)
    flash(_("Your comment on %(item)s was added.", item=item_id), "success")
    return redirect(url_for(".section", **base) + f"#thread-{item_id}")


CONFIRM_SECTION = "*section*"  # the value of the button confirming every carried answer of a section


def _confirm_carried(
    assessment: Assessment, found: Section, items: tuple[Item, ...], confirm: str, saved_message: str | None
) -> ResponseReturnValue:
    """Confirm carried-forward answers unchanged (one item, or the section's), once the typed answers are saved."""
    wanted = [i.id for i in items] if confirm == CONFIRM_SECTION else [confirm]
    done = services.carry.confirm(current_user, assessment, wanted)
    if saved_message:
        flash(saved_message, "success")
    if done:
        flash(
            ngettext(
                "Confirmed %(num)d carried-forward answer unchanged: %(items)s.",
                "Confirmed %(num)d carried-forward answers unchanged: %(items)s.",
                len(done),
                items=", ".join(done),
            ),
            "success",
        )
    else:
        flash(_("Nothing to confirm: the answer was already confirmed or changed."), "info")
    anchor = "" if confirm == CONFIRM_SECTION else f"#item-{confirm}"
    return redirect(
        url_for(".section", cycle=assessment.cycle.code, iso3=assessment.country_iso3, section=found.id) + anchor
    )


def _autosave_refusal(errors: dict[str, Any], conflicts: dict[str, Any]) -> str:
    """Say why autosave stored nothing: answers that need correcting, or someone else's save."""
    if conflicts:
        return _(
            "Not saved: someone else saved %(items)s while you were typing. Their version is shown beside "
            "your text, which is kept; press Save to replace their version with yours.",
            items=", ".join(conflicts),
        )
    return _(
        "Not saved automatically: %(items)s need attention (see the messages beside the fields).",
        items=", ".join(errors),
    )


def _conflict_snippets(catalogue: Catalogue, conflicts: dict[str, Any]) -> dict[str, str]:
    """Render, per item, the version someone else saved, as the conflict page shows it."""
    return {
        item_id: render_template(
            "assessment/_conflict.html", item_id=item_id, theirs=_answer_view(current), catalogue=catalogue
        )
        for item_id, current in conflicts.items()
    }


def _autosave_valid_only(
    assessment: Assessment, catalogue: Catalogue, edits: list[Edit], errors: dict[str, dict[str, str]]
) -> ResponseReturnValue:
    """Autosave the valid answers of a section whose other answers need correcting; say which is which."""
    versions: dict[str, int] = {}
    originals: dict[str, str] = {}
    saved: list[str] = []
    conflicts: dict[str, Any] = {}
    if edits:
        try:
            result = services.save_answers(current_user, assessment, edits, source="autosave")
        except StaleAnswer as stale:
            conflicts[stale.item] = stale.current
        else:
            versions, originals = result.versions, result.fingerprints
            saved = [e.item for e in edits if e.item in result.versions and e.item not in result.unchanged]
    message = _autosave_refusal(errors, conflicts)
    if saved and not conflicts:
        message = _(
            "Saved automatically: %(saved)s. Not saved: %(items)s need attention (see the messages beside the fields).",
            saved=", ".join(saved),
            items=", ".join(errors),
        )
    return jsonify(
        {
            "saved": saved,
            "versions": versions,
            "originals": originals,
            "errors": errors,
            "conflicts": _conflict_snippets(catalogue, conflicts),
            "message": message,
        }
    ), (409 if conflicts else 422)


def script_messages() -> dict[str, str]:
    """Return the questionnaire script's words in the reader's language (static/js/questionnaire.js)."""
    return {
        "saving": _("Saving…"),
        "savingFirst": _("Saving your answers first…"),
        "unsaved": _("Unsaved changes"),
        "savedAt": _("%(message)s · %(time)s"),
        "notSaved": _("Not saved."),
        "signedOut": _("Not saved automatically. Your typing is kept in this browser; press Save."),
        "offline": _("Offline: not saved yet. Your typing is kept in this browser."),
        "restoreLabel": _("Unsaved answers"),
        "restoreText": _(
            "This browser kept answers you typed here that were not saved (%(when)s). "
            "Put them back into the form? You can check them before saving."
        ),
        "restoreYes": _("Put them back"),
        "restoreNo": _("Discard them"),
        "restored": _("Unsaved answers restored: check them, then save."),
        "errorPrefix": _("Error:"),
    }


def _following_section(catalogue: Catalogue, section_id: str) -> str | None:
    ids = [s.id for s in catalogue.sections]
    index = ids.index(section_id)
    return ids[index + 1] if index + 1 < len(ids) else None


# Speed: an item's question, guidance and clauses, rendered once per edition, translation and language;
# without it a page that is not cached (after every save) renders 1.19x slower (`benchmarks/machinery.py`).
item_intro_cache: LruCache[tuple[str, str, str, str], Markup] = LruCache(1024)


def item_intros(catalogue: Catalogue, items: tuple[Any, ...]) -> dict[str, Markup]:
    """Return each item's question, guidance and clauses as HTML, rendered once per edition and language."""
    locale = str(get_locale())
    out = {}
    for item in items:
        key = (catalogue.hash, catalogue.translation_revision, item.id, locale)
        html = item_intro_cache.get(key)
        if html is None:
            html = Markup(render_template("assessment/_item_intro.html", item=item, catalogue=catalogue))  # noqa: S704  # nosec B704 - a rendered, autoescaped template
            item_intro_cache.put(key, html)
        out[item.id] = html
    return out


# Rendered section bodies and whole pages, by everything that can change them.
# Speed: with it off, `benchmarks/machinery.py` measured the section page 8.3x slower (2026-12-03).
#
# A section page is read far more often than it is saved.  Its body depends only
# on the assessment's version (bumped by every saved answer, every comment and
# every change of status), the language and what the viewer may do; the key holds
# all of these, and permission is checked before the cache is looked at.  The CSRF
# tokens are per session: a body is stored with a marker in their place and the
# viewer's token is put in when it is served.  Whole pages are stored encoded, cut
# at the markers, so serving one is a join of bytes.
page_cache: LruCache[tuple[Any, ...], Any] = LruCache(256)
_TOKEN_MARK = "__thbq_csrf_" + secrets.token_hex(8) + "__"
_TOKEN_MARK_BYTES = _TOKEN_MARK.encode("ascii")


@dataclass(frozen=True)
class Attention:
    """What a section page shows besides the answers: a conflict, a notice, what is saved, a comment held back."""

    conflicts: dict[str, Any] = field(default_factory=dict)  # item -> the other version (`_answer_view`)
    notice: str | None = None
    save_state: dict[str, list[str]] = field(default_factory=lambda: {"kept": [], "waiting": []})
    comments_typed: dict[str, str] = field(default_factory=dict)  # item -> the comment typed beside it
    comment_held: str | None = None  # the item whose comment waits for the answers to be saved
    evidence: Any = None  # an evidence upload refused (services.evidence.Attempt), shown beside its form

    @property
    def any(self) -> bool:
        """Tell whether the page says something of its own (and so is never cached)."""
        return bool(self.conflicts or self.notice or self.comments_typed)


def _render_section(
    assessment: Assessment,
    catalogue: Catalogue,
    found: Section,
    items: tuple[Item, ...],
    form: Any,
    answers: dict[str, Answer] | None,
    editable: bool,
    status: int = 200,
    build: Callable[[], tuple[Any, dict[str, Answer]]] | None = None,
    attention: Attention | None = None,
) -> tuple[Response | str, int]:
    """Render a section page.

    `build` makes the form showing the stored answers (a GET): only such a page
    is cached, and the form is built only when the cache does not have it.  The
    whole page is cached too (the layout varies only by role, language and
    address), unless a message is waiting to be shown.
    """
    attention = attention or Attention()
    contributor = current_user.is_contributor
    can_comment = services.access.can_comment_on(current_user, assessment, [i.id for i in items])
    in_team = services.access.in_team(current_user, assessment)
    cacheable = build is not None and not attention.any
    # created_at and updated_at make the key unique even if ids and versions repeat (another database).
    key = (
        assessment.id,
        assessment.version,
        assessment.created_at,
        assessment.updated_at,
        catalogue.hash,
        catalogue.translation_revision,
        found.id,
        str(get_locale()),
        editable,
        can_comment,
        assessment.carried_from_id,
        in_team,  # the country's internal review is shown to its team only
        tuple(i.id for i in items) if contributor else None,  # a contributor sees only their items
    )
    page_key = (key, current_user.role, request.full_path, current_user.unread_notifications)  # the header's count
    whole_page = cacheable and not session.get("_flashes")
    if whole_page:
        parts = page_cache.get(page_key)
        if parts is not None:
            return _join(parts), status
    body = page_cache.get(key) if cacheable else None
    if body is None:
        if build is not None:
            form, answers = build()
        body = _render_body(
            assessment, catalogue, found, items, form, answers, editable, can_comment, attention, mark_tokens=cacheable
        )
        if cacheable:
            page_cache.put(key, body)
    if not cacheable:
        return _page(body, assessment, found, editable), status
    if whole_page:
        with _marked_tokens():
            parts = tuple(_page(body, assessment, found, editable).encode("utf-8").split(_TOKEN_MARK_BYTES))
        page_cache.put(page_key, parts)
        return _join(parts), status
    return _page(body.replace(_TOKEN_MARK, generate_csrf()), assessment, found, editable), status


def _join(parts: tuple[bytes, ...]) -> Response:
    """Serve a cached page with this session's CSRF token where the markers were."""
    return Response(generate_csrf().encode("ascii").join(parts), mimetype="text/html")


def _page(body: str, assessment: Assessment, found: Section, editable: bool) -> str:
    return render_template(
        "assessment/section.html",
        body=Markup(body),  # noqa: S704  # nosec B704 - rendered from autoescaped templates
        assessment=assessment,
        section=found,
        editable=editable,  # noqa: S704  # nosec B704 - rendered, autoescaped
    )


@contextmanager
def _marked_tokens() -> Iterator[None]:
    """Render with a marker where this session's CSRF token goes (Flask-WTF hands out g.csrf_token)."""
    real = g.get("csrf_token")
    g.csrf_token = _TOKEN_MARK
    try:
        yield
    finally:
        if real is None:
            g.pop("csrf_token", None)
        else:
            g.csrf_token = real


def _render_body(
    assessment: Assessment,
    catalogue: Catalogue,
    found: Section,
    items: tuple[Item, ...],
    form: Any,
    answers: dict[str, Answer] | None,
    editable: bool,
    can_comment: bool,
    attention: Attention,
    mark_tokens: bool,
) -> str:
    mine = services.access.assigned_items(current_user, assessment) if current_user.is_contributor else None
    progress = services.progress(assessment, only=mine)
    error_list = []
    error_items = set()
    for item, subform in item_fields(form, items):
        for sub in subform:
            for message in sub.errors:
                error_list.append((sub.id, f"{item.id} – {sub.label.text}", message))
                error_items.add(item.id)
    ids = [p.id for p in progress]  # a contributor moves only between sections holding their items
    index = ids.index(found.id)
    item_ids = [i.id for i in items]
    in_team = services.access.in_team(current_user, assessment)
    stored = answers if answers is not None else services.answers_of(assessment, item_ids)
    states = services.carry.carry_states(assessment, stored)
    previous_assessment = services.carry.previous_assessment(assessment)
    previous = services.carry.previous_answers(current_user, previous_assessment, item_ids)
    context = dict(
        assessment=assessment,
        catalogue=catalogue,
        section=found,
        items=items,
        fields=item_fields(form, items),
        form=form,
        editable=editable,
        progress=progress,
        conflicts=attention.conflicts,
        error_list=error_list,
        error_items=len(error_items),
        notice=attention.notice,
        comments=services.comments_of(assessment),
        can_comment=can_comment,
        previous_section=ids[index - 1] if index > 0 else None,
        next_section=ids[index + 1] if index + 1 < len(ids) else None,
        next_item=_next_unanswered(progress),
        stored={i.id: _answer_view((answers or {}).get(i.id)) for i in items},
        intros=item_intros(catalogue, items),
        scale_options=[(level.id, level.label, level.description) for level in catalogue.scale],
        save_state=attention.save_state,
        comments_typed=attention.comments_typed,
        comment_held=attention.comment_held,
        comment_field=comment_field,
        field_name=field_name,
        carry_states={k: v for k, v in states.items() if k in item_ids},
        # The country's internal review of the section: shown to its own team only, never to reviewers.
        team_review=services.team.section_reviews(assessment).get(found.id) if in_team else None,
        in_team=in_team,
        can_mark_ready=in_team and editable,
        can_approve=in_team and services.team.can_manage(current_user, assessment),
        previous={k: AnswerInput.of(v) for k, v in previous.items()},
        previous_cycle=previous_assessment.cycle.code if previous_assessment else "",
        recommendations=recommendations_by_item(assessment),  # of earlier cycles, beside the items
        resolutions=threads.resolutions_of(assessment),  # resolved threads fold (services/threads.py)
        script_messages=script_messages() if editable else {},
        # Evidence files of the items shown (services.evidence): part of what the assessment's version covers.
        evidence=evidence_files.section_panel(current_user, assessment, item_ids, editable, attention.evidence),
    )
    if not mark_tokens:
        return render_template("assessment/_section_body.html", **context)
    with _marked_tokens():
        return render_template("assessment/_section_body.html", **context)


def render_expired_section(cycle: str, iso3: str, section: str) -> ResponseReturnValue:
    """Answer a section save whose security token expired: the typed data comes back, unsaved."""
    assessment = _load(cycle, iso3)
    catalogue = catalogue_for(assessment.cycle)
    found = _section_or_404(catalogue, section)
    items = catalogue.items_in(found.id)
    form = section_form_class(catalogue, found.id)(formdata=MultiDict(request.form), meta={"csrf": True})
    answers = services.answers_of(assessment, [i.id for i in items])
    notice = _(
        "This page was open for a long time and its security token expired, so nothing was saved. "
        "Your typed answers are shown below: check them and press Save again."
    )
    return _render_section(
        assessment,
        catalogue,
        found,
        items,
        form,
        answers,
        services.can_edit(current_user, assessment),
        status=400,
        attention=Attention(notice=notice),
    )


# --------------------------------------------------------------------------
# A section shown again with a message of another page's form (views/evidence.py: a refused upload)
# --------------------------------------------------------------------------


def render_section_with(
    cycle: str, iso3: str, section: str, attention: Attention, status: int
) -> tuple[Response | str, int]:
    """Render a section with its stored answers and `attention` (never cached), as its GET would show it."""
    assessment, catalogue, found, items, form_class, editable = _section_setup(cycle, iso3, section)
    form, answers = _stored_form(assessment, items, form_class)
    return _render_section(
        assessment, catalogue, found, items, form, answers, editable, status=status, attention=attention
    )


# --------------------------------------------------------------------------
# Lifecycle
# --------------------------------------------------------------------------


@bp.route("/submit", methods=["GET", "POST"])
@login_required
def submit(cycle: str, iso3: str) -> ResponseReturnValue:
    """Check your answers (what needs attention, item by item), then sign the declaration and submit."""
    assessment = _load(cycle, iso3)
    if request.method == "POST":
        # Who may submit, and whether it can be submitted now, is decided before the form is read.
        services.lifecycle.require_submit(current_user, assessment)
        form = DeclarationForm()
        if not form.validate():
            abort(400)  # only the CSRF token can fail here; the expired-token handler covers it
        typed = declarations.DeclarationInput(
            form["name"].data or "", form.position.data or "", form.ministry.data or ""
        )
        try:
            services.submit(current_user, assessment, form.comment.data or "", typed)
        except services.InvalidAnswer as refused:  # the declaration is incomplete, or the message too long
            for name, message in refused.errors.items():
                if name in form:
                    form[name].errors = [message]
            return _check_page(assessment, form), 422
        flash(_("The assessment was submitted to the reviewers."), "success")
        return redirect(url_for(".overview", cycle=assessment.cycle.code, iso3=assessment.country_iso3))
    if not services.can_edit(current_user, assessment):
        abort(404 if not current_user.is_respondent else 409)
    suggested = declarations.suggested(current_user)
    form = DeclarationForm(
        formdata=None, data={"name": suggested.name, "position": suggested.position, "ministry": suggested.ministry}
    )
    return _check_page(assessment, form)


def _check_page(assessment: Assessment, form: DeclarationForm) -> str:
    """Render the check-your-answers page with the declaration form."""
    previous = services.carry.previous_assessment(assessment)
    return render_template(
        "assessment/submit.html",
        assessment=assessment,
        catalogue=catalogue_for(assessment.cycle),
        check=checklist.check(assessment),
        form=form,
        previous_cycle=previous.cycle.code if previous else "",
    )


@bp.route("/return", methods=["POST"])
@login_required
def return_(cycle: str, iso3: str) -> ResponseReturnValue:
    """Return the assessment to the country with a comment and any recommendations."""
    assessment = _load(cycle, iso3)
    return review_step(assessment, "return", lambda: overview(cycle, iso3))


@bp.route("/accept", methods=["POST"])
@login_required
def accept(cycle: str, iso3: str) -> ResponseReturnValue:
    """Accept the assessment (final), with any recommendations."""
    assessment = _load(cycle, iso3)
    return review_step(assessment, "accept", lambda: overview(cycle, iso3))


@bp.route("/changes")
@login_required
def changes(cycle: str, iso3: str) -> ResponseReturnValue:
    """Show what changed since the country's earlier assessment: ratings, texts, scores."""
    assessment = _load(cycle, iso3)
    diff = services.carry.changes_since_last(current_user, assessment)
    return render_template(
        "assessment/changes.html",
        assessment=assessment,
        catalogue=catalogue_for(assessment.cycle),
        previous_catalogue=catalogue_for(diff.previous.cycle),
        diff=diff,
        field_labels=services.field_labels(),
        status_word=services.access.status_word,
    )


@bp.route("/items/<item>/comments", methods=["POST"])
@login_required
def comment(cycle: str, iso3: str, item: str) -> ResponseReturnValue:
    """Add a comment to an item's thread."""
    assessment = _load_item(cycle, iso3, item)
    catalogue = catalogue_for(assessment.cycle)
    if item not in catalogue.item_by_id:
        abort(404)
    section_id = catalogue.item_by_id[item].section
    try:
        services.add_comment(current_user, assessment, item, request.form.get("body", ""))
    except services.InvalidAnswer as error:
        flash(error.message, "error")
    else:
        flash(_("Your comment on %(item)s was added.", item=item), "success")
    return redirect(
        url_for(".section", cycle=assessment.cycle.code, iso3=assessment.country_iso3, section=section_id)
        + f"#item-{item}"
    )


@bp.route("/items/<item>/resolution", methods=["POST"])
@login_required
def resolve_thread(cycle: str, iso3: str, item: str) -> ResponseReturnValue:
    """Mark an item's comment thread resolved (`resolved=yes`) or open it again (`resolved=no`)."""
    assessment = _load_item(cycle, iso3, item)  # whoever may read the item's thread (services.threads decides the rest)
    catalogue = catalogue_for(assessment.cycle)
    if item not in catalogue.item_by_id:
        abort(404)
    wanted = request.form.get("resolved")
    if wanted not in ("yes", "no"):
        abort(400)
    if wanted == "yes":
        threads.resolve(current_user, assessment, item)
        flash(_("The comments on %(item)s are marked resolved.", item=item), "success")
    else:
        threads.reopen(current_user, assessment, item)
        flash(_("The comments on %(item)s are open again.", item=item), "success")
    return redirect(
        url_for(
            ".section",
            cycle=assessment.cycle.code,
            iso3=assessment.country_iso3,
            section=catalogue.item_by_id[item].section,
        )
        + f"#thread-{item}"
    )


@bp.route("/history")
@login_required
def history(cycle: str, iso3: str) -> ResponseReturnValue:
    """Show every change of every answer and every step of the lifecycle."""
    assessment = _load(cycle, iso3)
    item = request.args.get("item")
    catalogue = catalogue_for(assessment.cycle)
    if item is not None and item not in catalogue.item_by_id:
        abort(404)
    return render_template(
        "assessment/history.html",
        assessment=assessment,
        catalogue=catalogue,
        # Internal evidence files leave no trace for anyone outside the country (services.evidence).
        changes=list(
            reversed(evidence_files.visible_changes(current_user, assessment, services.history(assessment, item)))
        ),
        events=services.events(assessment),
        declared=declarations.declarations_by_event(assessment),
        item=item,
        labels=services.field_labels(),
    )
