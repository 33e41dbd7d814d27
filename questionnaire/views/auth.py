"""Sign in, sign out, and the user's own account."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, g, jsonify, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup

from .. import auth, two_factor
from ..db import db
from ..forms import CodeForm, LoginForm, NewPasswordForm, PasswordForm, ResetRequestForm
from ..models import User
from ..services import NotFound, accounts
from .common import login_required

bp = Blueprint("auth", __name__)


def _guesses_per_account(
    key: Callable[[], str], failed: Callable[[Any], bool], message: str
) -> Callable[[Callable[..., ResponseReturnValue]], Callable[..., ResponseReturnValue]]:
    """Limit wrong guesses at a secret (password, code) per account, as sign-in does: LOGIN_RATE_LIMIT
    POSTs that `failed` counts, keyed by `key`."""
    limit: Callable[[Callable[..., ResponseReturnValue]], Callable[..., ResponseReturnValue]] = auth.limiter.limit(
        lambda: current_app.config["LOGIN_RATE_LIMIT"],
        key_func=key,
        methods=["POST"],
        deduct_when=failed,
        error_message=message,
    )
    return limit


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
@_guesses_per_account(auth.login_key, auth.failed_login, "Too many sign-in attempts for this account.")
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
            if two_factor.enrolled(user):
                # The password was right: the second factor decides (the session is not signed in yet).
                db.session.commit()  # keep a rehashed password, if any
                session.clear()
                session[PENDING] = {"u": user.id, "at": time.time(), "next": next_url}
                return redirect(url_for("auth.second_factor"))
            auth.sign_in(user)
            if two_factor.must_enrol(user):
                return redirect(url_for("auth.two_factor_setup"))
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
@_guesses_per_account(
    _password_check_key, _wrong_current_password, "Too many wrong current passwords for this account."
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


# --------------------------------------------------------------------------
# Forgotten password: a link by e-mail (services/accounts.py)
# --------------------------------------------------------------------------


def _reset_key() -> str:
    """Rate-limit key of reset requests: the address asked for."""
    return "reset:" + auth.normalise_email(request.form.get("email", ""))[:254]


@bp.route("/password-reset", methods=["GET", "POST"])
@auth.limiter.limit("5 per hour", key_func=_reset_key, methods=["POST"], error_message="Too many reset requests.")
@auth.limiter.limit("20 per hour", methods=["POST"], error_message="Too many reset requests from this address.")
def password_reset() -> ResponseReturnValue:
    """Ask for a password reset link; the answer is the same whether or not the address has an account."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data or "")
        return render_template("auth/password_reset.html", form=None, sent_to=form.email.data)
    return render_template("auth/password_reset.html", form=form), 400 if form.errors else 200


@bp.route("/password-reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> ResponseReturnValue:
    """Choose a new password from a reset link (which then stops working)."""
    try:
        user = accounts.reset_user(token)
    except NotFound as error:
        return render_template("auth/new_password.html", problem=error.message), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(token, form.password.data or "")
        except auth.AccountError as error:
            form.password.errors = [str(error)]
        except NotFound as error:
            return render_template("auth/new_password.html", problem=error.message), 404
        else:
            flash(_("Your password was changed. Sign in with %(email)s.", email=user.email), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/new_password.html", form=form, user=user), 400 if form.errors else 200


# --------------------------------------------------------------------------
# Two-factor sign-in (two_factor.py)
# --------------------------------------------------------------------------

PENDING = "second_factor_pending"
PENDING_SECONDS = 300  # the password step is valid this long for the code to follow


def _pending_user() -> Any:
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - float(pending.get("at", 0)) > PENDING_SECONDS:
        return None
    user = db.session.get(User, pending.get("u")) if isinstance(pending.get("u"), int) else None
    return user if user is not None and user.active and two_factor.enrolled(user) else None


def _second_factor_key() -> str:
    pending = session.get(PENDING)
    return f"second-factor:{pending.get('u') if isinstance(pending, dict) else ''}"


def _wrong_code(response: Any) -> bool:
    return bool(g.get("wrong_code"))


@bp.route("/login/second-factor", methods=["GET", "POST"])
@_guesses_per_account(_second_factor_key, _wrong_code, "Too many wrong codes for this account.")
def second_factor() -> ResponseReturnValue:
    """The second step of signing in: a code from the authenticator app, or a recovery code."""
    user = _pending_user()
    if user is None:
        session.pop(PENDING, None)
        flash(_("Sign in again: the password step expired."), "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        used = two_factor.verify(user, form.code.data or "")
        if used is not None:
            next_url = safe_next(session.get(PENDING, {}).get("next"))
            auth.sign_in(user)  # clears the pending step with the rest of the session
            if used == "recovery":
                left = two_factor.recovery_codes_left(user)
                flash(
                    ngettext(
                        "You signed in with a recovery code; %(num)d is left. Make new ones under Account.",
                        "You signed in with a recovery code; %(num)d are left. Make new ones under Account.",
                        left,
                    ),
                    "warning",
                )
            return redirect(next_url)
        g.wrong_code = True
        form.code.errors = [_("This code is not right, or it was used already. Wait for the next code and try again.")]
        return render_template("auth/second_factor.html", form=form), 401
    return render_template("auth/second_factor.html", form=form), 400 if form.errors else 200


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
def two_factor_setup() -> ResponseReturnValue:
    """Set up the second factor (scan the QR code, type a code), or see and manage it."""
    user = current_user._get_current_object()
    if two_factor.enrolled(user):
        return render_template(
            "auth/two_factor.html",
            enrolled=True,
            left=two_factor.recovery_codes_left(user),
            required=two_factor.required(user),
            recovery_form=CodeForm(prefix="recovery"),
            remove_form=CodeForm(prefix="remove"),
        )
    two_factor.begin_enrolment(user)
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        codes = two_factor.confirm_enrolment(user, form.code.data or "")
        if codes is not None:
            return render_template("auth/recovery_codes.html", codes=codes, first=True)
        form.code.errors = [_("This code is not right. Check the phone's clock and type the code shown now.")]
        status = 400
    elif form.errors:
        status = 400
    uri = two_factor.provisioning_uri(user)
    return (
        render_template(
            "auth/two_factor.html",
            enrolled=False,
            required=two_factor.required(user),
            form=form,
            qr=Markup(two_factor.qr_code_svg(uri)),  # noqa: S704  # nosec B704 - segno's SVG of our own address
            secret=" ".join(user.totp_secret[i : i + 4] for i in range(0, len(user.totp_secret), 4)),
        ),
        status,
    )


def _code_checked(user: Any, prefix: str) -> bool:
    """Check the code typed to confirm a change of the second factor; say what was wrong if it was."""
    form = CodeForm(prefix=prefix)
    if form.validate_on_submit() and two_factor.verify(user, form.code.data or "") is not None:
        return True
    flash(_("This code is not right, or it was used already. Wait for the next code and try again."), "error")
    return False


@bp.route("/account/two-factor/recovery-codes", methods=["POST"])
@login_required
def new_recovery_codes() -> ResponseReturnValue:
    """Replace the recovery codes (a current code from the app is asked first)."""
    user = current_user._get_current_object()
    if not two_factor.enrolled(user):
        abort(404)
    if not _code_checked(user, "recovery"):
        return redirect(url_for("auth.two_factor_setup"))
    return render_template("auth/recovery_codes.html", codes=two_factor.new_recovery_codes(user), first=False)


@bp.route("/account/two-factor/remove", methods=["POST"])
@login_required
def remove_two_factor() -> ResponseReturnValue:
    """Turn the second factor off, where the role allows it (a current code is asked first)."""
    user = current_user._get_current_object()
    if not two_factor.enrolled(user):
        abort(404)
    if two_factor.required(user):
        flash(_("Your role signs in with a second factor: it cannot be turned off."), "error")
        return redirect(url_for("auth.two_factor_setup"))
    if not _code_checked(user, "remove"):
        return redirect(url_for("auth.two_factor_setup"))
    two_factor.reset(user)
    flash(_("The second factor was turned off. Sign in again."), "success")
    return redirect(url_for("auth.login"))


# Pages an account that must set up its second factor may still reach.
_BEFORE_ENROLMENT = {
    "auth.two_factor_setup",
    "auth.logout",
    "auth.login",
    "auth.second_factor",
    "auth.password_reset",
    "auth.reset_password",
    "main.set_language",
    "static",
}


@bp.before_app_request
def _second_factor_first() -> ResponseReturnValue | None:
    """Send reviewers and admins without a second factor to set one up before anything else."""
    if request.endpoint in _BEFORE_ENROLMENT or request.blueprint == "api" or not current_user.is_authenticated:
        return None
    if not two_factor.must_enrol(current_user):
        return None
    message = _("Set up your second factor first: reviewers and admins sign in with one.")
    if request.accept_mimetypes.best == "application/json":
        response = jsonify({"error": message})
        response.status_code = 403
        return response
    flash(message, "info")
    return redirect(url_for("auth.two_factor_setup"), 303)
