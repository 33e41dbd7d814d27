"""A country's team: the focal point's team page, invitations, "assigned to me", the internal review of sections."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from .. import services
from ..auth import AccountError
from ..catalogue_store import catalogue_for
from ..forms import NewPasswordForm
from ..models import Assessment
from ..services import accounts, team
from .common import login_required

bp = Blueprint("team", __name__)


class InviteForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"),
        validators=[
            DataRequired(_l("Enter an e-mail address.")),
            Email(_l("Enter a valid e-mail address.")),
            Length(max=254),
        ],
    )
    name = StringField(_l("Name and agency"), validators=[Optional(), Length(max=200)])


class AssignForm(FlaskForm):
    contributor = SelectField(_l("Contributor"), choices=[], validate_choice=True)
    section = SelectField(_l("Section"), choices=[], validate_choice=True)
    item = SelectField(_l("Item (leave empty for the whole section)"), choices=[], validate_choice=True)


class NoteForm(FlaskForm):
    note = TextAreaField(_l("Note to the contributors"), validators=[Optional(), Length(max=team.MAX_NOTE)])


def _focal_assessment(cycle: str, iso3: str) -> Assessment:
    """Return the assessment for its country's focal point; anyone else gets 404."""
    assessment = services.assessment_for(current_user, cycle, iso3)
    team.require_focal_point(current_user, assessment)
    return assessment


def _assign_form(assessment: Assessment, posted: bool = True) -> AssignForm:
    """The assignment form, with the country's contributors and the edition's sections and items to choose from."""
    catalogue = catalogue_for(assessment.cycle)
    form = AssignForm() if posted else AssignForm(formdata=None)
    form.contributor.choices = [("", _("Choose…"))] + [
        (str(u.id), f"{u.name} <{u.email}>" if u.name else u.email)
        for u in team.contributors_of(assessment.country_iso3)
    ]
    form.section.choices = [("", _("Choose…"))] + [(s.id, s.title) for s in catalogue.sections]
    form.item.choices = [("", _("The whole section"))] + [
        (i.id, f"{i.id} · {i.question[:80]}") for i in catalogue.items
    ]
    return form


@bp.route("/cycles/<cycle>/countries/<iso3>/team", methods=["GET"])
@login_required
def page(cycle: str, iso3: str) -> ResponseReturnValue:
    """The focal point's view of the team: contributors, who is assigned what, sections to approve."""
    assessment = _focal_assessment(cycle, iso3)
    return _render(assessment)


def _render(
    assessment: Assessment,
    invite: InviteForm | None = None,
    assign: AssignForm | None = None,
    status: int = 200,
    link: str | None = None,
) -> ResponseReturnValue:
    catalogue = catalogue_for(assessment.cycle)
    return render_template(
        "team/team.html",
        assessment=assessment,
        catalogue=catalogue,
        invite=invite or InviteForm(formdata=None),
        assign=assign or _assign_form(assessment, posted=False),
        note_form=NoteForm(formdata=None),
        team=team.team_of(assessment),
        reviews=team.section_reviews(assessment),
        contributors=team.contributors_of(assessment.country_iso3),
        can_manage=team.can_manage(current_user, assessment),
        link=link,
    ), status


@bp.route("/cycles/<cycle>/countries/<iso3>/team/invite", methods=["POST"])
@login_required
def invite(cycle: str, iso3: str) -> ResponseReturnValue:
    """Invite a colleague of another agency as a contributor; show the link to pass on."""
    assessment = _focal_assessment(cycle, iso3)
    form = InviteForm()
    if not form.validate():
        return _render(assessment, invite=form, status=422)
    try:
        invitation = team.invite_contributor(current_user, assessment, form.email.data or "", form.name.data or "")
    except services.InvalidAnswer as error:
        form.email.errors = [error.errors.get("email", error.message)]
        return _render(assessment, invite=form, status=422)
    email = invitation.user.email
    if not invitation.link:
        flash(_("%(email)s is a contributor of your country already and has set a password.", email=email), "info")
        return _render(assessment)
    if invitation.emailed:
        flash(
            _("%(email)s is a contributor of your country. An invitation was e-mailed to them.", email=email), "success"
        )
        return _render(assessment)
    flash(
        _(
            "%(email)s is a contributor of your country. E-mail is not set up on this platform: "
            "send them the invitation link below yourself.",
            email=email,
        ),
        "success",
    )
    return _render(assessment, link=invitation.link)


@bp.route("/cycles/<cycle>/countries/<iso3>/team/assign", methods=["POST"])
@login_required
def assign(cycle: str, iso3: str) -> ResponseReturnValue:
    """Assign a section, or one item of it, to a contributor."""
    assessment = _focal_assessment(cycle, iso3)
    form = _assign_form(assessment)
    if not form.validate() or not form.contributor.data or not form.section.data:
        if not form.contributor.data:
            form.contributor.errors = [_("Choose a contributor.")]
        if not form.section.data:
            form.section.errors = [_("Choose a section.")]
        return _render(assessment, assign=form, status=422)
    contributor = next(
        (u for u in team.contributors_of(assessment.country_iso3) if str(u.id) == form.contributor.data), None
    )
    if contributor is None:
        abort(404)
    try:
        team.assign(current_user, assessment, contributor, form.section.data, form.item.data or "")
    except services.InvalidAnswer as error:
        for name, message in error.errors.items():
            if name in form:
                form[name].errors = [message]
        return _render(assessment, assign=form, status=422)
    flash(_("Assigned to %(email)s.", email=contributor.email), "success")
    return redirect(url_for(".page", cycle=assessment.cycle.code, iso3=assessment.country_iso3))


@bp.route("/cycles/<cycle>/countries/<iso3>/team/assignments/<int:assignment_id>/remove", methods=["POST"])
@login_required
def unassign(cycle: str, iso3: str, assignment_id: int) -> ResponseReturnValue:
    """Take an assignment back."""
    assessment = _focal_assessment(cycle, iso3)
    team.unassign(current_user, assessment, assignment_id)
    flash(_("The assignment was removed."), "success")
    return redirect(url_for(".page", cycle=assessment.cycle.code, iso3=assessment.country_iso3))


def _section_assessment(cycle: str, iso3: str, section: str) -> Assessment:
    """Return the assessment for its focal point or a contributor assigned items of the section; else 404."""
    assessment = services.find_assessment(cycle, iso3)
    if assessment is None:
        abort(404)
    if not team.is_focal_point(current_user, assessment):
        team.require_contributor_section(current_user, assessment, section)
    return assessment


@bp.route("/cycles/<cycle>/countries/<iso3>/sections/<section>/ready", methods=["POST"])
@login_required
def ready(cycle: str, iso3: str, section: str) -> ResponseReturnValue:
    """A contributor says the section is ready for the focal point."""
    assessment = _section_assessment(cycle, iso3, section)
    team.mark_ready(current_user, assessment, section)
    flash(_("The section is marked ready for your focal point's approval."), "success")
    return redirect(
        url_for("assessment.section", cycle=assessment.cycle.code, iso3=assessment.country_iso3, section=section)
    )


@bp.route("/cycles/<cycle>/countries/<iso3>/sections/<section>/approve", methods=["POST"])
@login_required
def approve(cycle: str, iso3: str, section: str) -> ResponseReturnValue:
    """The focal point approves the section."""
    assessment = _focal_assessment(cycle, iso3)
    team.approve(current_user, assessment, section)
    flash(_("The section is approved."), "success")
    cycle_code, iso3_code = assessment.cycle.code, assessment.country_iso3
    if request.form.get("back") == "section":
        return redirect(url_for("assessment.section", cycle=cycle_code, iso3=iso3_code, section=section))
    return redirect(url_for(".page", cycle=cycle_code, iso3=iso3_code) + f"#review-{section}")


@bp.route("/cycles/<cycle>/countries/<iso3>/sections/<section>/send-back", methods=["POST"])
@login_required
def send_back(cycle: str, iso3: str, section: str) -> ResponseReturnValue:
    """The focal point sends the section back with a note."""
    assessment = _focal_assessment(cycle, iso3)
    form = NoteForm()
    try:
        team.send_back(current_user, assessment, section, form.note.data or "")
    except services.InvalidAnswer as error:
        flash(error.message, "error")
    else:
        flash(_("The section was sent back to its contributors with your note."), "success")
    return redirect(url_for(".page", cycle=assessment.cycle.code, iso3=assessment.country_iso3) + f"#review-{section}")


@bp.route("/assigned")
@login_required
def assigned() -> ResponseReturnValue:
    """What is assigned to me (a contributor), or who is assigned what (a focal point)."""
    if current_user.is_contributor:
        return render_template("team/assigned.html", work=team.my_assignments(current_user))
    if current_user.is_respondent:
        rows = []
        for cycle in services.list_cycles():
            assessment = services.find_assessment(cycle.code, current_user.country_iso3 or "")
            if assessment is not None:
                rows.append((assessment, team.team_of(assessment)))
        return render_template("team/assigned.html", teams=rows)
    abort(404)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str) -> ResponseReturnValue:
    """Set a password from an invitation link, then sign in."""
    try:
        user = accounts.invited_user(token)
    except services.NotFound as error:
        return render_template("team/invitation.html", problem=error.message), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.accept_invitation(token, form.password.data or "")
        except AccountError as error:
            form.password.errors = [str(error)]
        else:
            flash(_("Your password is set. Sign in with %(email)s.", email=user.email), "success")
            return redirect(url_for("auth.login"))
    return render_template("team/invitation.html", form=form, user=user), 400 if form.errors else 200
