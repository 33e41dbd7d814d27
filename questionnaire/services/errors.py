"""Failures of the use cases, named after what went wrong.

Services know nothing of HTTP: the views turn each failure into a status at the
edge (`views.common.status_of`), the command line into an exit status.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _


class ServiceError(Exception):
    """Base of the failures below: a use case refused, with a message for the user."""

    def __init__(self, message: str, **details: Any):
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(ServiceError):
    """There is nothing here for this user (also used to hide other countries' data)."""


class Forbidden(ServiceError):
    """The user may see this but not do this."""


class InvalidTransition(ServiceError):
    """The assessment is not in a state that allows this step."""


class CycleClosed(ServiceError):
    """The cycle is closed: its assessments can no longer change."""


class InvalidAnswer(ServiceError):
    """An answer breaks a rule; `errors` maps each field to its message."""

    def __init__(self, message: str, errors: dict[str, str], item: str | None = None):
        super().__init__(message, errors=errors, item=item)
        self.errors = errors
        self.item = item


class StaleAnswer(ServiceError):
    """Someone saved this answer after the version the save was based on."""

    def __init__(self, item: str, current: Any, based_on: int):
        super().__init__(
            _(
                "The answer to %(item)s was saved again after the version your edit started from "
                "(it is now version %(current)s; your edit was based on version %(based_on)s).",
                item=item,
                current=getattr(current, "version", "?"),
                based_on=based_on,
            ),
            item=item,
        )
        self.item = item
        self.current = current
        self.based_on = based_on


class UnknownChecklistItem(ServiceError):
    """The item id is not in the catalogue edition of this cycle."""


class InvalidCycleCode(InvalidAnswer):
    """A cycle code is not 1–32 letters, digits, '-' or '_'."""


class CycleExists(InvalidTransition):
    """A cycle with this code exists already."""


class CycleInUse(InvalidTransition):
    """Countries have started assessments in the cycle, so it cannot be deleted."""


class EmptyComment(InvalidAnswer):
    """A comment has no text."""


class CommentTooLong(InvalidAnswer):
    """A comment is longer than the platform keeps."""
