"""Failures of the use cases, named after what went wrong.

Views and the API turn them into HTTP answers at the edge; services never
look at requests.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _


class ServiceError(Exception):
    """Base of the failures below; `status` is the HTTP status that fits."""

    status = 400

    def __init__(self, message: str, **details: Any):
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(ServiceError):
    """There is nothing here for this user (also used to hide other countries' data)."""

    status = 404


class Forbidden(ServiceError):
    """The user may see this but not do this."""

    status = 403


class InvalidTransition(ServiceError):
    """The assessment is not in a state that allows this step."""

    status = 409


class CycleClosed(ServiceError):
    """The cycle is closed: its assessments can no longer change."""

    status = 409


class InvalidAnswer(ServiceError):
    """An answer breaks a rule; `errors` maps each field to its message."""

    status = 422

    def __init__(self, message: str, errors: dict[str, str], item: str | None = None):
        super().__init__(message, errors=errors, item=item)
        self.errors = errors
        self.item = item


class StaleAnswer(ServiceError):
    """Someone saved this answer after the version the save was based on."""

    status = 409

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

    status = 422
