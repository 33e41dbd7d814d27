"""Administration: accounts and cycles."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import Field

from .. import auth, services, two_factor
from ..db import db
from ..forms import AccountForm, CycleForm, DueDateForm, SelectChoice, UserForm
from ..models import Country, User
from ..services import accounts
from .common import login_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _admins_only() -> None:
    if not current_user.is_admin:
        abort(404)


def _country_choices() -> list[SelectChoice]:
    countries = db.session.scalars(select(Country).order_by(Country.name_en))
    return [SelectChoice("", _("— none —"))] + [SelectChoice(c.iso3, f"{c.name} ({c.iso3})") for c in countries]


def _search() -> dict[str, str]:
    """The account search's criteria, from the query string."""
    return {name: (request.args.get(name) or "").strip()[:200] for name in ("q", "role", "country", "state")}


def _page_number() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and len(raw) < 6 else 1


@bp.route("/users", methods=["GET", "POST"])
def users() -> ResponseReturnValue:
    """Find accounts, and invite new people by e-mail."""
    form = UserForm()
    form.country.choices = _country_choices()
    link = None
    status = 200
    if form.validate_on_submit():
        try:
            invitation = accounts.invite_user(
                form.email.data or "",
                form.role.data or "",
                form.country.data or None,
                name=form.name.data or "",
                by=current_user,
            )
        except auth.AccountError as error:
            invite_fields: dict[str, Field] = {"country": form.country, "role": form.role}
            invite_fields.get(error.field, form.email).errors = [str(error)]
        else:
            if invitation.emailed:
                flash(_("%(email)s was invited: the invitation is on its way.", email=invitation.user.email), "success")
                return redirect(url_for(".account", user_id=invitation.user.id))
            flash(
                _(
                    "The account %(email)s was made. E-mail is not set up on this platform: "
                    "send the invitation link below to them yourself.",
                    email=invitation.user.email,
                ),
                "success",
            )
            link = invitation.link
            form = UserForm(formdata=None)
            form.country.choices = _country_choices()
    if form.errors:
        status = 400
    criteria = _search()
    found = accounts.search_accounts(
        criteria["q"], criteria["role"], criteria["country"], criteria["state"], _page_number()
    )
    return render_template(
        "admin/users.html", form=form, found=found, criteria=criteria, link=link, countries=_country_choices()
    ), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def account(user_id: int) -> ResponseReturnValue:
    """One account: change its name, role and country; its invitation, tokens and second factor."""
    user = db.get_or_404(User, user_id)
    form = AccountForm(obj=user if request.method == "GET" else None)
    form.country.choices = _country_choices()
    if request.method == "GET":
        form.country.data = user.country_iso3 or ""
    status = 200
    if form.validate_on_submit():
        try:
            accounts.update_account(user, current_user, form.name.data or "", form.role.data or "", form.country.data)
        except auth.AccountError as error:
            fields: dict[str, Field] = {"country": form.country, "role": form.role}
            fields.get(error.field, form.name).errors = [str(error)]
            db.session.rollback()
        else:
            flash(_("The account %(email)s was changed.", email=user.email), "success")
            return redirect(url_for(".account", user_id=user.id))
    if form.errors:
        status = 400
    return render_template(
        "admin/account.html",
        user=user,
        form=form,
        tokens=auth.active_token_counts().get(user.id, 0),
        second_factor=two_factor.enrolled(user),
        second_factor_required=two_factor.required(user),
        invitation_pending=user.invited_at is not None and user.invitation_accepted_at is None,
    ), status


@bp.route("/users/<int:user_id>/invitation", methods=["POST"])
def resend_invitation(user_id: int) -> ResponseReturnValue:
    """Send a new invitation link to an account that has not chosen its password yet."""
    user = db.get_or_404(User, user_id)
    try:
        invitation = accounts.resend_invitation(user, current_user)
    except services.InvalidAnswer as error:
        flash(error.message, "error")
        return redirect(url_for(".account", user_id=user.id))
    if invitation.emailed:
        flash(_("A new invitation was sent to %(email)s.", email=user.email), "success")
        return redirect(url_for(".account", user_id=user.id))
    flash(
        _(
            "E-mail is not set up on this platform: send the invitation link below to %(email)s yourself.",
            email=user.email,
        ),
        "success",
    )
    return render_template("admin/invitation_link.html", user=user, link=invitation.link)


@bp.route("/users/<int:user_id>/second-factor/reset", methods=["POST"])
def reset_second_factor(user_id: int) -> ResponseReturnValue:
    """Remove an account's second factor (a lost phone): it sets up a new one at its next sign-in."""
    user = db.get_or_404(User, user_id)
    if user.id == current_user.id:
        flash(_("You cannot reset your own second factor: ask another admin."), "error")
        return redirect(url_for(".account", user_id=user.id))
    two_factor.reset(user)
    flash(
        _("The second factor of %(email)s was removed and the account signed out everywhere.", email=user.email),
        "success",
    )
    return redirect(url_for(".account", user_id=user.id))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
def set_active(user_id: int) -> ResponseReturnValue:
    """Deactivate or reactivate an account; deactivating signs it out everywhere."""
    user = db.get_or_404(User, user_id)
    try:
        auth.set_active(user, request.form.get("active") == "1", current_user)
    except auth.AccountError as error:
        flash(str(error), "error")
        return redirect(url_for(".account", user_id=user.id))
    flash(
        _("%(email)s is now %(state)s.", email=user.email, state=_("active") if user.active else _("inactive")),
        "success",
    )
    return redirect(url_for(".account", user_id=user.id))


@bp.route("/users/<int:user_id>/password", methods=["POST"])
def reset_password(user_id: int) -> ResponseReturnValue:
    """Give an account a new password; every session of that account ends."""
    user = db.get_or_404(User, user_id)
    try:
        revoked = auth.change_password(user, request.form.get("password", ""))
    except auth.AccountError as error:
        flash(_("The password of %(email)s was not changed: %(reason)s", email=user.email, reason=str(error)), "error")
    else:
        flash(
            ngettext(
                "%(email)s has a new password and was signed out everywhere; %(num)d API token was revoked.",
                "%(email)s has a new password and was signed out everywhere; %(num)d API tokens were revoked.",
                revoked,
                email=user.email,
            ),
            "success",
        )
    return redirect(url_for(".account", user_id=user.id))


@bp.route("/users/<int:user_id>/tokens/revoke", methods=["POST"])
def revoke_tokens(user_id: int) -> ResponseReturnValue:
    """Revoke every API token of an account."""
    user = db.get_or_404(User, user_id)
    revoked = auth.revoke_tokens(user)
    flash(
        ngettext(
            "%(num)d API token of %(email)s was revoked.",
            "%(num)d API tokens of %(email)s were revoked.",
            revoked,
            email=user.email,
        ),
        "success",
    )
    return redirect(url_for(".account", user_id=user.id))


@bp.route("/cycles", methods=["GET", "POST"])
def cycles() -> ResponseReturnValue:
    """List cycles, open a new one on the current catalogue edition."""
    form = CycleForm()
    if form.validate_on_submit():
        try:
            cycle = services.create_cycle(form.code.data or "", form.title.data or "", form.due_date.data)
        except services.ServiceError as error:
            form.code.errors = [error.message]
        else:
            flash(
                _(
                    "Cycle %(code)s is open, on catalogue edition %(edition)s.",
                    code=cycle.code,
                    edition=cycle.edition_hash,
                ),
                "success",
            )
            return redirect(url_for(".cycles"))
    status = 400 if form.errors else 200
    cycles = services.list_cycles()
    return render_template(
        "admin/cycles.html",
        form=form,
        cycles=cycles,
        unused=services.unused_cycles(),
        history={c.id: services.cycle_events(c) for c in cycles},
    ), status


@bp.route("/cycles/<code>/due", methods=["POST"])
def due_date(code: str) -> ResponseReturnValue:
    """Set, change or clear a cycle's due date."""
    cycle = services.find_cycle(code)
    form = DueDateForm()
    if not form.validate_on_submit():
        for message in form.due_date.errors:
            flash(_("Cycle %(code)s: %(message)s", code=cycle.code, message=message), "error")
        return redirect(url_for(".cycles"))
    services.set_due_date(cycle, form.due_date.data, current_user)
    if cycle.due_date:
        flash(
            _(
                "Answers in cycle %(code)s are due on %(date)s.",
                code=cycle.code,
                date=format_date(cycle.due_date, "long"),
            ),
            "success",
        )
    else:
        flash(_("Cycle %(code)s has no due date any more.", code=cycle.code), "success")
    return redirect(url_for(".cycles"))


@bp.route("/cycles/<code>/close", methods=["POST"])
def close_cycle(code: str) -> ResponseReturnValue:
    """Close a cycle once the admin has confirmed, having seen what is still unfinished in it."""
    cycle = services.find_cycle(code)
    if request.form.get("confirm") != "1":
        if not cycle.is_open:
            raise services.InvalidTransition(_("Cycle %(code)s is already closed.", code=cycle.code))
        return render_template("admin/close_cycle.html", cycle=cycle, work=services.open_work(cycle))
    services.close_cycle(cycle, current_user)
    flash(_("Cycle %(code)s is closed.", code=cycle.code), "success")
    return redirect(url_for(".cycles"))


@bp.route("/cycles/<code>/reopen", methods=["POST"])
def reopen_cycle(code: str) -> ResponseReturnValue:
    """Reopen a closed cycle (recorded in the cycle's history)."""
    cycle = services.reopen_cycle(services.find_cycle(code), current_user)
    flash(
        _(
            "Cycle %(code)s is open again: drafts and returned assessments can change. "
            "Countries keep seeing the means published when it first closed.",
            code=cycle.code,
        ),
        "success",
    )
    return redirect(url_for(".cycles"))


@bp.route("/cycles/<code>/delete", methods=["POST"])
def delete_cycle(code: str) -> ResponseReturnValue:
    """Delete a cycle no country has started (one opened by mistake)."""
    cycle = services.find_cycle(code)
    if request.form.get("confirm") != "1":
        raise services.InvalidTransition(_("Confirm the deletion of cycle %(code)s.", code=cycle.code))
    services.delete_cycle(cycle)
    flash(_("Cycle %(code)s was deleted.", code=code), "success")
    return redirect(url_for(".cycles"))
