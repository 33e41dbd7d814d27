"""Notifications: a world of two countries, the secretariat and a contributor, with e-mail to a real SMTP server."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from questionnaire import mail
from questionnaire.db import db
from questionnaire.models import Role, User

from ..conftest import add_user, mail_config


@pytest.fixture
def app_config(mailbox: Any) -> dict[str, Any]:
    return mail_config(mailbox)


@pytest.fixture
def people(app: Any, users: dict[str, User]) -> dict[str, User]:
    """France's two focal points (one reads Arabic), Germany's, a French-reading reviewer, an admin, contributors."""
    users["reviewer"].locale = "fr"
    users["reviewer"].name = "Anne Analyst"
    users["fra"].name = "Claire Martin"
    fra2 = add_user("fra2@example.org", Role.RESPONDENT, "FRA")
    fra2.locale = "ar"
    users["admin"].notify_by = "off"  # hears of everything in the platform only
    contributor = add_user("police@example.org", Role.CONTRIBUTOR, "FRA")
    other_contributor = add_user("borders@example.org", Role.CONTRIBUTOR, "FRA")
    db.session.commit()
    return {**users, "fra2": fra2, "contributor": contributor, "other_contributor": other_contributor}


def settle() -> None:
    """Wait until every message this process queued was handed to the SMTP server."""
    assert mail.wait_until_sent(15)


def path_of(link: str) -> str:
    """The path (and query) of an absolute link in a message."""
    parts = urlsplit(link)
    return parts.path + (f"?{parts.query}" if parts.query else "")
