"""Notifications: the signed-in user's list, reading one (it is then marked read), and how they hear of them."""

from __future__ import annotations

from datetime import UTC, datetime

from babel.dates import format_datetime, format_timedelta
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.validators import InputRequired

from ..i18n import current_language
from ..models import NotifyBy
from ..services import notifications
from .common import login_required

bp = Blueprint("notifications", __name__)


class PreferenceForm(FlaskForm):
    notify_by = RadioField(
        _l("E-mail me about notifications"),
        choices=[
            (NotifyBy.INSTANT.value, _l("At once: one e-mail for each notification")),
            (NotifyBy.DAILY.value, _l("Once a day: one e-mail listing the day's notifications")),
            (NotifyBy.OFF.value, _l("Never: I read them in the platform")),
        ],
        validators=[InputRequired(_l("Choose how notifications come by e-mail."))],
        validate_choice=True,
    )


def _when(moment: datetime) -> tuple[str, str]:
    """Return how long ago, and the date and time (UTC), in the reader's language."""
    language = current_language()
    ago = format_timedelta(moment - datetime.now(UTC), add_direction=True, locale=language)
    full = format_datetime(moment, "medium", tzinfo=UTC, locale=language)
    return str(ago), f"{full} UTC"


@bp.route("/notifications")
@login_required
def index() -> ResponseReturnValue:
    """The user's notifications, newest first, a page at a time."""
    page = request.args.get("page", 1, type=int) or 1
    found = notifications.page_of(current_user, page)
    return render_template("notifications/index.html", found=found, when=_when)


@bp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@login_required
def read(notification_id: int) -> ResponseReturnValue:
    """Mark one notification read and go to the page it is about."""
    link = notifications.mark_read(current_user, notification_id)
    if link is None:
        return render_template(
            "errors/error.html",
            title=_("Not found"),
            message=_("There is nothing at this address, or you may not see it."),
        ), 404
    return redirect(link)


@bp.route("/notifications/read-all", methods=["POST"])
@login_required
def read_all() -> ResponseReturnValue:
    """Mark every notification read."""
    count = notifications.mark_all_read(current_user)
    if count:
        flash(
            ngettext("%(num)d notification marked as read.", "%(num)d notifications marked as read.", count), "success"
        )
    return redirect(url_for(".index"))


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def settings() -> ResponseReturnValue:
    """Choose how notifications come by e-mail: at once, in a daily digest, or not at all."""
    form = PreferenceForm(data={"notify_by": current_user.notify_by or NotifyBy.INSTANT.value})
    if request.method == "POST":
        form = PreferenceForm()
        if form.validate():
            notifications.set_preference(current_user, str(form.notify_by.data))
            flash(_("Your choice was saved."), "success")
            return redirect(url_for(".settings"))
        return render_template("notifications/settings.html", form=form), 422
    return render_template("notifications/settings.html", form=form)
