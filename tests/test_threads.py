"""Returned, and why: the reviewers' reason and the open threads on the overview; threads marked resolved.

Either side marks an item's thread resolved or reopens it; a new message reopens it;
a resolved thread folds on the section page; resolving moves the assessment's
version on (section pages are cached by version).
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from questionnaire import services
from questionnaire.auth import issue_token
from questionnaire.db import db
from questionnaire.models import Assessment, ThreadResolution

from .api.conftest import Api

BASE = "/cycles/2026/countries/FRA"
SECTION = f"{BASE}/sections/criminal-law"


@pytest.fixture
def returned(users, cycle) -> Assessment:  # type: ignore[no-untyped-def]
    """France's assessment returned with a reason, a reviewer's question on CL-2 and the country's own note on CL-3."""
    assessment, _ = services.start_assessment(users["fra"], cycle, "FRA")
    services.add_comment(users["fra"], assessment, "CL-3", "A note of our own before submitting.")
    services.submit(users["fra"], assessment)
    services.add_comment(users["reviewer"], assessment, "CL-2", "Which article defines the offence?")
    services.add_comment(users["admin"], assessment, "VP-1", "Please give figures.")
    services.return_assessment(users["reviewer"], assessment, "Please answer our two questions.")
    return assessment


@pytest.fixture
def fra(make_client, returned):  # type: ignore[no-untyped-def]
    client = make_client()
    client.login("fra@example.org")
    return client


@pytest.fixture
def reviewer(make_client, returned):  # type: ignore[no-untyped-def]
    client = make_client()
    client.login("reviewer@example.org")
    return client


def _resolution(item: str) -> ThreadResolution | None:
    db.session.expire_all()
    return db.session.scalar(select(ThreadResolution).where(ThreadResolution.item_id == item))


def _version() -> int:
    db.session.expire_all()
    return int(db.session.scalar(select(Assessment.version)) or 0)


def _thread(page: str, item: str) -> str:
    """Return the HTML of an item's thread on a section page."""
    head = rf'<div class="thread[^"]*">\s*<h3 class="thread__title" id="thread-{item}">'
    match = re.search(head + r".*?</div>\s*</section>", page, re.S)
    assert match, f"no thread for {item}"
    return match.group(0)


def _resolve(client, item: str, resolved: str = "yes"):  # type: ignore[no-untyped-def]
    return client.post_form(f"{BASE}/items/{item}/resolution", {"resolved": resolved}, page=SECTION)


def test_a_returned_assessment_opens_with_the_reason_and_the_open_threads(fra) -> None:  # type: ignore[no-untyped-def]
    page = fra.get(f"{BASE}/").get_data(as_text=True)
    notice = re.search(r'<section class="notice notice--warning returned" id="returned".*?</section>', page, re.S)
    assert notice, "no notice of the return"
    text = notice.group(0)
    assert "Please answer our two questions." in text
    assert "by reviewer@example.org" in text
    assert "2 items have open reviewer comments" in text
    assert f'href="{SECTION}#item-CL-2"' in text
    assert f'href="{BASE}/sections/victims#item-VP-1"' in text  # an admin is the secretariat too
    assert "#item-CL-3" not in text  # only the country wrote there
    assert page.index('id="returned"') < page.index('id="progress-title"')  # at the top


def test_either_side_resolves_and_reopens_a_thread(fra, reviewer) -> None:  # type: ignore[no-untyped-def]
    before = _version()
    done = _resolve(fra, "CL-2")
    assert done.status_code == 302 and done.headers["Location"].endswith("/sections/criminal-law#thread-CL-2")
    resolution = _resolution("CL-2")
    assert resolution is not None and resolution.resolved_by.email == "fra@example.org"
    assert _version() == before + 1  # cached section pages change

    thread = _thread(fra.get(SECTION).get_data(as_text=True), "CL-2")
    assert "Resolved by fra@example.org on" in thread
    assert re.search(r'<details class="thread__fold">\s*<summary>Show the 1 comment</summary>', thread)  # folded
    assert 'value="no"' in thread and "Reopen" in thread
    overview = fra.get(f"{BASE}/").get_data(as_text=True)
    assert "1 item has an open reviewer comment" in overview and "#item-CL-2" not in overview

    assert _resolve(fra, "CL-2").status_code == 302  # again: nothing changes
    assert _version() == before + 1

    assert _resolve(reviewer, "CL-2", "no").status_code == 302
    assert _resolution("CL-2") is None
    thread = _thread(reviewer.get(SECTION).get_data(as_text=True), "CL-2")
    assert "<details" not in thread and "Mark resolved" in thread and 'value="yes"' in thread
    assert _resolve(reviewer, "CL-2").status_code == 302
    assert _resolution("CL-2").resolved_by.email == "reviewer@example.org"
    assert _resolve(fra, "VP-1").status_code == 302
    assert "Every thread with a reviewer's comment is resolved." in fra.get(f"{BASE}/").get_data(as_text=True)


def test_a_new_comment_reopens_a_resolved_thread(fra, returned, users) -> None:  # type: ignore[no-untyped-def]
    _resolve(fra, "CL-2")
    assert _resolution("CL-2") is not None
    france = services.find_assessment("2026", "FRA")
    services.add_comment(users["reviewer"], france, "CL-2", "Not quite: which paragraph?")
    assert _resolution("CL-2") is None
    assert "#item-CL-2" in fra.get(f"{BASE}/").get_data(as_text=True)


def test_what_cannot_be_resolved(fra, reviewer, make_client, users) -> None:  # type: ignore[no-untyped-def]
    assert _resolve(fra, "CL-1").status_code == 409  # nobody commented on it
    assert _resolve(fra, "NOPE").status_code == 404
    assert _resolve(fra, "CL-2", "maybe").status_code == 400
    germany = make_client()
    germany.login("deu@example.org")
    assert _resolve(germany, "CL-2").status_code == 404  # another country's assessment
    assert fra.post(f"{BASE}/items/CL-2/resolution", data={"resolved": "yes"}).status_code == 400  # no CSRF token
    assert _resolution("CL-2") is None
    services.submit(users["fra"], services.find_assessment("2026", "FRA"))
    services.accept(users["reviewer"], services.find_assessment("2026", "FRA"))
    assert _resolve(reviewer, "CL-2").status_code == 409  # accepted: the threads are closed
    assert _resolution("CL-2") is None


def test_a_draft_thread_is_private(make_client, users, cycle) -> None:  # type: ignore[no-untyped-def]
    assessment, _ = services.start_assessment(users["fra"], cycle, "FRA")
    services.add_comment(users["fra"], assessment, "CL-1", "A note.")
    reviewer = make_client()
    reviewer.login("reviewer@example.org")
    assert _resolve(reviewer, "CL-1").status_code == 404
    assert _resolution("CL-1") is None


def test_the_api_says_whether_a_thread_is_resolved(app, fra, users) -> None:  # type: ignore[no-untyped-def]
    api = Api(app.test_client())
    token = issue_token(users["reviewer"], "script")
    url = f"/api/v1{BASE}/items/CL-2/comments"
    assert api.get(url, token).get_json()["resolved"] is None
    _resolve(fra, "CL-2")
    resolved = api.get(url, token).get_json()["resolved"]
    assert resolved["by"] == "fra@example.org" and resolved["at"]
