"""Administration: accounts and cycles."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import auth, services
from ..db import db
from ..forms import CycleForm, DueDateForm, SelectChoice, UserForm
from ..models import Country, User
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


@bp.route("/users", methods=["GET", "POST"])
def users() -> ResponseReturnValue:
    """List accounts and create new ones."""
    form = UserForm()
    form.country.choices = _country_choices()
    if form.validate_on_submit():
        try:
            user = auth.create_user(
                form.email.data or "",
                form.password.data or "",
                form.role.data or "",
                form.country.data or None,
                name=form.name.data or "",
            )
        except auth.AccountError as error:
            fields = {"country": form.country, "password": form.password, "role": form.role}
            field = fields.get(error.field, form.email)
            field.errors = [str(error)]
        else:
            flash(_("The account %(email)s was created.", email=user.email), "success")
            return redirect(url_for(".users"))
    accounts = list(db.session.scalars(select(User).order_by(User.role, User.email)))
    status = 400 if form.errors else 200
    return render_template(
        "admin/users.html", form=form, accounts=accounts, token_counts=auth.active_token_counts()
    ), status


@bp.route("/users/<int:user_id>/active", methods=["POST"])
def set_active(user_id: int) -> ResponseReturnValue:
    """Deactivate or reactivate an account; deactivating signs it out everywhere."""
    user = db.get_or_404(User, user_id)
    try:
        auth.set_active(user, request.form.get("active") == "1", current_user)
    except auth.AccountError as error:
        flash(str(error), "error")
        return redirect(url_for(".users"))
    flash(
        _("%(email)s is now %(state)s.", email=user.email, state=_("active") if user.active else _("inactive")),
        "success",
    )
    return redirect(url_for(".users"))


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
    return redirect(url_for(".users"))


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
    return redirect(url_for(".users"))


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
