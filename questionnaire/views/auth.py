"""Sign in, sign out, and the user's own account."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from .. import auth
from ..db import db
from ..forms import LoginForm, PasswordForm
from .common import login_required

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str:
    """Return a local path to go to after sign-in; never another site."""
    if not target:
        return url_for("main.home")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):  # CR, LF, NUL …: no header injection
        return url_for("main.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("main.home")
    return target


@bp.route("/login", methods=["GET", "POST"])
@auth.limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT"],
    key_func=auth.login_key,
    methods=["POST"],
    deduct_when=auth.failed_login,
    error_message="Too many sign-in attempts for this account.",
)
@auth.limiter.limit(
    "30 per 15 minutes",
    methods=["POST"],
    deduct_when=auth.failed_login,
    error_message="Too many sign-in attempts from this address.",
)
def login() -> ResponseReturnValue:
    """Show the sign-in form and sign the user in."""
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(next_url)
    form = LoginForm()
    message = None
    if form.validate_on_submit():
        user = auth.find_user(form.email.data or "")
        if auth.verify_password(user, form.password.data or ""):
            assert user is not None
            auth.sign_in(user)
            return redirect(next_url)
        db.session.commit()  # keep a rehashed password, if any
        message = _("The e-mail address or password is not right.")
        return render_template("auth/login.html", form=form, message=message, next_url=next_url), 401
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form, message=message, next_url=next_url), status


@bp.route("/logout", methods=["POST"])
def logout() -> ResponseReturnValue:
    """End the session on the server and in the browser."""
    auth.sign_out()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


def _password_check_key() -> str:
    """Rate-limit key of the current-password check: the signed-in account."""
    return f"password-check:{getattr(current_user, 'id', '')}"


def _wrong_current_password(response: Any) -> bool:
    """Count only changes refused because the current password was wrong."""
    return bool(g.get("wrong_current_password"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
@auth.limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT"],
    key_func=_password_check_key,
    methods=["POST"],
    deduct_when=_wrong_current_password,
    error_message="Too many wrong current passwords for this account.",
)
def account() -> ResponseReturnValue:
    """Show the user's account and let them change their password (which revokes their API tokens)."""
    form = PasswordForm()
    if form.validate_on_submit():
        if not auth.verify_password(current_user, form.current.data or ""):
            g.wrong_current_password = True
            form.current.errors = [_("This is not your current password.")]
        else:
            user = current_user._get_current_object()  # the real object, not the proxy
            try:
                revoked = auth.change_password(user, form.new.data or "")
            except auth.AccountError as error:
                form.new.errors = [str(error)]
            else:
                auth.sign_in(user)  # a fresh session for this browser only
                flash(_("Your password was changed. Other browsers were signed out."), "success")
                if revoked:
                    flash(
                        ngettext(
                            "Your %(num)d API token was revoked: create a new one for your scripts.",
                            "Your %(num)d API tokens were revoked: create new ones for your scripts.",
                            revoked,
                        ),
                        "info",
                    )
                return redirect(url_for("auth.account"))
    status = 400 if form.errors else 200
    return render_template("auth/account.html", form=form, tokens=auth.tokens_of(current_user)), status


@bp.route("/account/tokens", methods=["POST"])
@login_required
def create_token() -> ResponseReturnValue:
    """Create an API token and show it once (it is stored only as a hash)."""
    label = (request.form.get("label") or "").strip()[:100] or _("Created in the browser")
    token = auth.issue_token(current_user, label)
    return render_template(
        "auth/account.html",
        form=PasswordForm(formdata=None),
        tokens=auth.tokens_of(current_user),
        new_token=token,
        new_label=label,
    )


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int) -> ResponseReturnValue:
    """Revoke one of the user's own API tokens."""
    if not auth.revoke_tokens(current_user, token_id):
        abort(404)
    flash(_("The token was revoked."), "success")
    return redirect(url_for("auth.account") + "#tokens")
