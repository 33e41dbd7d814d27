"""Crash safety: kill the server hard amid a stream of saves; every acknowledged save is kept."""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from typing import Any

import pytest
from sqlalchemy import select

from questionnaire import services
from questionnaire.db import db
from questionnaire.forms import field_name
from questionnaire.models import Answer, Assessment

from ..conftest import PASSWORD  # type: ignore[import-not-found]  # noqa: TID252

SECTION = "criminal-law"
RATINGS = ("full", "largely", "partially", "initial", "none")


class Browser:
    """A signed-in client of a real server: cookies, CSRF token, form posts (stdlib only)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.token = ""

    def request(
        self, path: str, data: dict[str, str] | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, headers=headers or {})  # noqa: S310
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def login(self, email: str) -> None:
        status, page = self.request("/login")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        assert status == 200 and token, page[:300]
        status, _ = self.request("/login", {"email": email, "password": PASSWORD, "csrf_token": token.group(1)})
        assert status == 200  # followed the redirect to the start page
        self.refresh_token()

    def refresh_token(self) -> None:
        status, page = self.request("/")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert status == 200 and token, f"not signed in: {status}"
        self.token = token.group(1)


def values_for(item: str, number: int) -> dict[str, Any]:
    """Return the answer a writer sends on its n-th save, as the service stores it."""
    return {
        "rating": RATINGS[number % len(RATINGS)],
        "description": f"Save {number} of {item}: the law is applied in every region — ü, ñ, ع.",
        "legal_references": [f"Criminal Code, art. {100 + number}"],
        "evidence_links": [f"https://example.org/{item.lower()}/{number}"],
        "assistance_kind": None,
        "assistance_description": "",
        "justification": "",
    }


def form_for(item: str, values: dict[str, Any], based_on: int, token: str) -> dict[str, str]:
    prefix = field_name(item)
    return {
        "csrf_token": token,
        f"{prefix}-rating": values["rating"],
        f"{prefix}-description": values["description"],
        f"{prefix}-legal_references": "\n".join(values["legal_references"]),
        f"{prefix}-evidence_links": "\n".join(values["evidence_links"]),
        f"{prefix}-assistance_kind": "none",
        f"{prefix}-assistance_description": "",
        f"{prefix}-justification": "",
        f"{prefix}-version": str(based_on),
        f"{prefix}-original": "",
    }


@dataclass
class Writer:
    """Saves one item again and again through autosave, remembering what the server acknowledged."""

    browser: Browser
    path: str
    item: str
    based_on: int = 0
    number: int = 0
    acknowledged: dict[int, dict[str, Any]] = field(default_factory=dict)  # version -> values
    in_flight: dict[str, Any] | None = None
    problems: list[str] = field(default_factory=list)

    def save_once(self) -> bool:
        """Send one save; return False once the server is gone."""
        self.number += 1
        values = values_for(self.item, self.number)
        self.in_flight = values
        try:
            status, body = self.browser.request(
                self.path,
                form_for(self.item, values, self.based_on, self.browser.token),
                {"X-Autosave": "1"},
            )
        except OSError:
            return False  # the server died with this save in flight: it may or may not be stored
        if status != 200:
            self.problems.append(f"{self.item}: HTTP {status}: {body[:200]}")
            return False
        reply = json.loads(body)
        if self.item not in reply["saved"]:
            self.problems.append(f"{self.item}: acknowledged without being saved: {reply}")
            return False
        self.based_on += 1  # a compare-and-set save moves the version by exactly one
        self.acknowledged[self.based_on] = values
        self.in_flight = None
        return True

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set() and self.save_once():
            pass


def replay(assessment: Any, item: str) -> dict[int, dict[str, Any]]:
    """Rebuild the answer after each version from the audit trail alone."""
    state: dict[str, Any] = {name: None for name in services.FIELDS}
    states = {}
    for change in services.history(assessment, item):
        for name, (_old, new) in change.changes.items():
            state[name] = new
        states[change.version] = dict(state)
    return states


def normal(values: dict[str, Any]) -> dict[str, Any]:
    out = dict(values)
    for name in ("description", "assistance_description", "justification"):
        out[name] = out.get(name) or ""
    for name in ("legal_references", "evidence_links"):
        out[name] = list(out.get(name) or [])
    return out


@pytest.mark.slow
def test_every_acknowledged_save_survives_a_hard_kill_of_the_server(
    app, database_url, server_factory, users, cycle, catalogue
) -> None:  # type: ignore[no-untyped-def]
    assessment, _ = services.start_assessment(users["fra"], cycle, "FRA")
    assessment_id = assessment.id
    items = [item.id for item in catalogue.items_in(SECTION)][:4]
    path = f"/cycles/{cycle.code}/countries/FRA/sections/{SECTION}"
    secret = secrets.token_urlsafe(48)
    server = server_factory(database_url, secret, workers=2).start()

    writers = []
    for item in items:
        browser = Browser(server.base)
        browser.login(users["fra"].email)
        writers.append(Writer(browser, path, item))
    stop = threading.Event()
    threads = [threading.Thread(target=w.run, args=(stop,), daemon=True) for w in writers]
    for thread in threads:
        thread.start()
    # Let a good stream of saves through, then kill every server process at once, mid-stream.
    deadline = time.monotonic() + 30
    while sum(len(w.acknowledged) for w in writers) < 60 and time.monotonic() < deadline:
        time.sleep(0.05)
    server.kill()
    stop.set()
    for thread in threads:
        thread.join(timeout=40)
    assert not any(t.is_alive() for t in threads)
    assert not [p for w in writers for p in w.problems], [p for w in writers for p in w.problems]
    acknowledged = sum(len(w.acknowledged) for w in writers)
    assert acknowledged >= 20, f"only {acknowledged} saves before the kill: the stream did not run"
    assert any(w.in_flight is not None for w in writers), "the kill came between saves"

    # Restart on the same database: the same signed-in sessions carry on.
    server.start()
    db.session.remove()
    assessment = db.session.get(Assessment, assessment_id)
    stored = {a.item_id: a for a in db.session.scalars(select(Answer).where(Answer.assessment_id == assessment.id))}
    for writer in writers:
        states = replay(assessment, writer.item)
        for version, values in writer.acknowledged.items():
            assert normal(states.get(version) or {}) == normal(values), (
                f"{writer.item} v{version} acknowledged; audit trail: {states.get(version)}"
            )
        answer = stored[writer.item]
        last = max(writer.acknowledged)
        now = normal(services.AnswerInput.of(answer).as_dict())
        if answer.version == last:
            assert now == normal(writer.acknowledged[last])
        else:  # the save in flight at the kill was committed before its answer could be sent
            assert answer.version == last + 1 and writer.in_flight is not None
            assert now == normal(writer.in_flight)
        assert len(states) == answer.version  # no gap and nothing extra in the audit trail

        writer.browser.base = server.base
        writer.browser.refresh_token()  # still signed in after the restart
        writer.based_on = answer.version
        assert writer.save_once(), writer.problems
    db.session.remove()
    assessment = db.session.get(Assessment, assessment_id)
    after = {
        a.item_id: a.version for a in db.session.scalars(select(Answer).where(Answer.assessment_id == assessment.id))
    }
    assert all(after[w.item] == w.based_on for w in writers)
