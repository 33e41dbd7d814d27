"""Who may open reports and meeting packs: every route of the blueprint × every role × state.

Like tests/test_access_matrix.py, each case is its own test, and a route of the
`reports` blueprint missing from this matrix fails the suite.  Rendering is
replaced by a stub here (access is decided before anything is rendered); the
real renderer is exercised by the other report tests.
"""

from __future__ import annotations

import uuid
import zipfile
from typing import Any

import pytest

from questionnaire import jobs, services
from questionnaire.db import db
from questionnaire.models import Job, User

ROLES = ("anonymous", "own", "other", "reviewer", "admin")
EMAIL = {
    "own": "fra@example.org",
    "other": "deu@example.org",
    "reviewer": "reviewer@example.org",
    "admin": "admin@example.org",
}
LOGIN, OK = "login", "ok"
A = "/cycles/2026/countries/FRA"


def _country(own_draft: Any, own_submitted: Any, reviewer_submitted: Any) -> dict[str, dict[str, Any]]:
    return {
        "draft": {
            "anonymous": LOGIN,
            "own": own_draft,
            "other": 404,
            "reviewer": 404,
            "admin": 404,
        },
        "submitted": {
            "anonymous": LOGIN,
            "own": own_submitted,
            "other": 404,
            "reviewer": reviewer_submitted,
            "admin": reviewer_submitted,
        },
    }


REVIEWERS = {"any": {"anonymous": LOGIN, "own": 404, "other": 404, "reviewer": OK, "admin": OK}}
# The job belongs to the reviewer; admins may see every job.
JOB_OWNER = {"any": {"anonymous": LOGIN, "own": 404, "other": 404, "reviewer": OK, "admin": OK}}

MATRIX: dict[str, tuple[str, dict[str, dict[str, dict[str, Any]]]]] = {
    "reports.report": (f"{A}/report", {"GET": _country(OK, OK, OK)}),
    "reports.report_pdf": (f"{A}/report.pdf", {"GET": _country(OK, OK, OK)}),
    "reports.meeting_pack": ("/cycles/2026/meeting-pack", {"GET": REVIEWERS, "POST": REVIEWERS}),
    "reports.job": ("/meeting-packs/{job}", {"GET": JOB_OWNER}),
    "reports.job_status": ("/meeting-packs/{job}/status", {"GET": JOB_OWNER}),
    "reports.job_download": ("/meeting-packs/{job}/download", {"GET": JOB_OWNER}),
}


def _cases() -> list[Any]:
    cases = []
    for endpoint, (path, methods) in MATRIX.items():
        for method, states in methods.items():
            for state, roles in states.items():
                for role in ROLES:
                    cases.append(
                        pytest.param(
                            endpoint,
                            path,
                            method,
                            "draft" if state == "any" else state,
                            role,
                            roles[role],
                            id=f"{endpoint}-{method}-{state}-{role}",
                        )
                    )
    return cases


@pytest.fixture
def world(app, users, cycle, monkeypatch) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    from questionnaire.views import reports as report_views

    monkeypatch.setattr(report_views.documents, "pdf_of", lambda html: b"%PDF-1.7 stub")
    monkeypatch.setattr(jobs, "dispatch", lambda job_id: None)
    assessment, _ = services.start_assessment(users["fra"], cycle, "FRA")
    job = Job(
        id=str(uuid.uuid4()),
        kind=jobs.MEETING_PACK,
        cycle_id=cycle.id,
        user_id=users["reviewer"].id,
        status=jobs.FINISHED,
        done=1,
        total=1,
        result_path=None,
    )
    name = f"{job.id}.zip"
    with zipfile.ZipFile(jobs.packs_folder() / name, "w") as archive:
        archive.writestr("2026-comparison.pdf", b"%PDF-1.7 stub")
    job.result_path = name
    db.session.add(job)
    db.session.commit()
    return {"assessment": assessment, "job": job.id}


@pytest.mark.parametrize(("endpoint", "path", "method", "state", "role", "expected"), _cases())
def test_access(make_client, world, users, endpoint, path, method, state, role, expected) -> None:  # type: ignore[no-untyped-def]
    if state == "submitted":
        services.submit(db.session.get(User, users["fra"].id), world["assessment"])
    client = make_client()
    if role != "anonymous":
        client.login(EMAIL[role])
    url = path.format(job=world["job"])
    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, data={"csrf_token": client.csrf_token("/login" if role == "anonymous" else "/")})
    location = response.headers.get("Location", "")
    what = f"{method} {url} as {role} ({state})"
    if expected == LOGIN:
        assert response.status_code == 302 and location.startswith("/login"), f"{what}: {response.status_code}"
    elif expected == OK:
        assert response.status_code in (200, 302), f"{what}: {response.status_code}"
        assert not location.startswith("/login"), f"{what}: sent to sign in"
    else:
        assert response.status_code == expected, f"{what}: {response.status_code}, expected {expected}"


def test_every_route_of_the_blueprint_is_classified(app) -> None:  # type: ignore[no-untyped-def]
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("reports."):
            continue
        classified = MATRIX.get(rule.endpoint)
        methods = set(rule.methods or ()) - {"HEAD", "OPTIONS"}
        if classified is None or not methods <= set(classified[1]):
            missing.append(f"{rule.endpoint} {sorted(methods)} {rule.rule}")
    assert not missing, "routes not in the reports access matrix:\n" + "\n".join(missing)


def test_another_countrys_draft_and_a_missing_one_look_the_same(make_client, world) -> None:  # type: ignore[no-untyped-def]
    other = make_client()
    other.login("deu@example.org")
    for suffix in ("report", "report.pdf"):
        existing = other.get(f"{A}/{suffix}")
        missing = other.get(f"/cycles/2026/countries/ITA/{suffix}")
        assert existing.status_code == missing.status_code == 404
        assert existing.get_data(as_text=True).replace("FRA", "ITA") == missing.get_data(as_text=True)


@pytest.mark.parametrize("iso3", ["fra", "Fra", "FRA"])
def test_the_country_code_may_be_in_any_letter_case(make_client, world, iso3) -> None:  # type: ignore[no-untyped-def]
    client = make_client()
    client.login("fra@example.org")
    assert client.get(f"/cycles/2026/countries/{iso3}/report").status_code == 200
    response = client.get(f"/cycles/2026/countries/{iso3}/report.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == "inline; filename=2026-FRA-gap-report.pdf"
    assert response.headers["Cache-Control"] == "no-store"
