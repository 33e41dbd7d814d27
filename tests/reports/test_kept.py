"""Reports ready before anyone asks (reports/kept.py): rendered when an assessment is submitted,
returned or accepted, kept per reader, language and format, served at once while current.

Most tests replace the PDF renderer by a stub that names what it was given (fast, and it
counts renderings); one renders real PDFs.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select

from questionnaire import jobs, services
from questionnaire.db import db
from questionnaire.models import Assessment, KeptReport
from questionnaire.reports import content, documents, kept

from .conftest import make_assessment, pdf_text

A = "/cycles/2026/countries/FRA"


@pytest.fixture
def app_config(tmp_path) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {
        "MEETING_PACK_FOLDER": str(tmp_path / "meeting-packs"),
        "KEEP_REPORTS": True,
        "KEPT_REPORT_LANGUAGES": ["en", "ar"],
    }


class Renderer:
    """A stand-in for the PDF renderer: returns a PDF-like body naming the report's language and reader."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, html: str) -> bytes:
        self.calls += 1
        language = "ar" if 'lang="ar"' in html[:200] else "en"
        reader = "country" if "published once, when the cycle closes" in html else "reviewer"
        return f"%PDF-1.7 stub {language} {reader}".encode()


@pytest.fixture
def renderer(monkeypatch) -> Renderer:  # type: ignore[no-untyped-def]
    stub = Renderer()
    monkeypatch.setattr(documents, "pdf_of", stub)
    return stub


def wait_for_reports(seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not jobs.reports_idle():
        assert time.monotonic() < deadline, "the kept reports were not rendered in time"
        time.sleep(0.05)
    db.session.expire_all()


def kept_rows(assessment_id: int) -> list[KeptReport]:
    return list(db.session.scalars(select(KeptReport).where(KeptReport.assessment_id == assessment_id)))


@pytest.fixture
def submitted_and_kept(app, users, cycle, renderer) -> Assessment:  # type: ignore[no-untyped-def]
    assessment = make_assessment(users["fra"], cycle, "FRA", "submitted")
    wait_for_reports()
    return assessment


def test_submitting_renders_every_reader_language_and_format_in_the_background(submitted_and_kept, renderer) -> None:  # type: ignore[no-untyped-def]
    rows = kept_rows(submitted_and_kept.id)
    keys = sorted((r.audience, r.language, r.format) for r in rows)
    assert keys == sorted((a, lang, f) for a in content.AUDIENCES for lang in ("en", "ar") for f in ("html", "pdf"))
    assert {r.status for r in rows} == {kept.READY}
    assert {r.assessment_version for r in rows} == {submitted_and_kept.version}
    assert renderer.calls == 4  # PDFs: two readers in two languages
    for row in rows:
        assert row.digest == kept.digest(submitted_and_kept, row.audience, row.language)


def test_the_kept_copy_is_sent_at_once_without_rendering(
    make_client, submitted_and_kept, renderer, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(documents, "country_report", lambda *a, **k: pytest.fail("rendered again"))
    reviewer = make_client()
    reviewer.login("reviewer@example.org")
    response = reviewer.get(f"{A}/report.pdf")
    assert response.status_code == 200
    assert response.get_data() == b"%PDF-1.7 stub en reviewer"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"] == "inline; filename=2026-FRA-gap-report.pdf"
    page = reviewer.get(f"{A}/report")
    assert page.status_code == 200 and "Gap report" in page.get_data(as_text=True)
    # The country's own respondent gets the country's copy, never the secretariat's.
    own = make_client()
    own.login("fra@example.org")
    assert own.get(f"{A}/report.pdf").get_data() == b"%PDF-1.7 stub en country"


def test_the_copy_in_the_readers_language_is_sent(make_client, submitted_and_kept, renderer) -> None:  # type: ignore[no-untyped-def]
    reviewer = make_client()
    reviewer.login("reviewer@example.org")
    response = reviewer.get(f"{A}/report.pdf", headers={"Accept-Language": "ar"})
    assert response.get_data() == b"%PDF-1.7 stub ar reviewer"
    html = reviewer.get(f"{A}/report", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert 'lang="ar" dir="rtl"' in html


def test_another_country_and_a_reviewer_before_submission_get_404_even_with_a_kept_copy(  # type: ignore[no-untyped-def]
    make_client, users, cycle, submitted_and_kept, renderer
) -> None:
    other = make_client()
    other.login("deu@example.org")
    for suffix in ("report", "report.pdf"):
        assert other.get(f"{A}/{suffix}").status_code == 404
    # Germany's draft: kept copies exist for nobody, and the reviewer cannot tell it exists.
    draft = make_assessment(users["deu"], cycle, "DEU", "draft")
    wait_for_reports()
    assert kept_rows(draft.id) == []
    # A copy planted for the draft (as if it had been kept) is not served either.
    db.session.add(
        KeptReport(
            assessment_id=draft.id,
            assessment_version=draft.version,
            digest=kept.digest(draft, content.REVIEWER, "en"),
            audience=content.REVIEWER,
            language="en",
            format="pdf",
            status=kept.READY,
            content=b"%PDF secret",
            size=11,
        )
    )
    db.session.commit()
    reviewer = make_client()
    reviewer.login("reviewer@example.org")
    for suffix in ("report", "report.pdf"):
        response = reviewer.get(f"/cycles/2026/countries/DEU/{suffix}")
        assert response.status_code == 404
        assert b"secret" not in response.get_data()


def test_a_draft_is_rendered_on_demand_and_never_kept(make_client, users, cycle, renderer) -> None:  # type: ignore[no-untyped-def]
    draft = make_assessment(users["fra"], cycle, "FRA", "draft")
    own = make_client()
    own.login("fra@example.org")
    assert own.get(f"{A}/report.pdf").get_data() == b"%PDF-1.7 stub en country"
    assert own.get(f"{A}/report").status_code == 200
    assert kept_rows(draft.id) == []


def test_a_change_makes_the_copy_stale_and_the_reader_sees_a_page_that_refreshes(  # type: ignore[no-untyped-def]
    make_client, users, submitted_and_kept, renderer, monkeypatch
) -> None:
    queued: list[tuple[int, Any, Any]] = []
    monkeypatch.setattr(
        jobs, "enqueue_reports", lambda i, audiences=None, languages=None: queued.append((i, audiences, languages))
    )
    services.add_comment(users["reviewer"], submitted_and_kept, "CL-2", "Which bill?")
    reviewer = make_client()
    reviewer.login("reviewer@example.org")
    calls = renderer.calls
    response = reviewer.get(f"{A}/report.pdf")
    assert response.status_code == 202
    assert response.headers["Refresh"] == "3"
    page = response.get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="3;url=/cycles/2026/countries/FRA/report.pdf">' in page
    assert "The PDF is being prepared." in page
    assert 'href="/cycles/2026/countries/FRA/report.pdf?now=1"' in page
    assert renderer.calls == calls  # nothing rendered in the request
    assert queued == [(submitted_and_kept.id, ["reviewer"], ["en"])]
    # Asking again while it is being made queues nothing more.
    assert reviewer.get(f"{A}/report.pdf").status_code == 202
    assert len(queued) == 1
    # The fallback link makes it now (and keeps it).
    response = reviewer.get(f"{A}/report.pdf?now=1")
    assert response.status_code == 200 and response.get_data() == b"%PDF-1.7 stub en reviewer"
    assert reviewer.get(f"{A}/report.pdf").status_code == 200


def test_the_worker_catches_up_and_the_page_then_gets_the_pdf(make_client, users, submitted_and_kept, renderer) -> None:  # type: ignore[no-untyped-def]
    services.add_comment(users["reviewer"], submitted_and_kept, "CL-2", "Which bill?")
    reviewer = make_client()
    reviewer.login("reviewer@example.org")
    first = reviewer.get(f"{A}/report.pdf")
    assert first.status_code in (200, 202)  # the thread may already have finished
    wait_for_reports()
    assert reviewer.get(f"{A}/report.pdf").get_data() == b"%PDF-1.7 stub en reviewer"


def test_without_a_queue_the_pdf_is_rendered_on_demand(make_client, submitted_and_kept, renderer, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def unavailable(*args: Any, **kwargs: Any) -> None:
        raise jobs.JobQueueUnavailable("down")

    monkeypatch.setattr(jobs, "enqueue_reports", unavailable)
    db.session.execute(db.delete(KeptReport))
    db.session.commit()
    reviewer = make_client()
    reviewer.login("reviewer@example.org")
    response = reviewer.get(f"{A}/report.pdf")
    assert response.status_code == 200 and response.get_data() == b"%PDF-1.7 stub en reviewer"


def test_a_hook_that_fails_never_fails_the_transition(users, cycle, renderer, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("queue exploded")

    monkeypatch.setattr(jobs, "enqueue_reports", broken)
    assessment = make_assessment(users["fra"], cycle, "FRA", "accepted", reviewer=users["reviewer"])
    assert assessment.status == "accepted"
    assert kept_rows(assessment.id) == []


def test_returning_and_accepting_queue_the_reports_again(users, cycle, renderer, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    queued: list[tuple[int, Any]] = []
    monkeypatch.setattr(
        jobs, "enqueue_reports", lambda i, audiences=None, languages=None: queued.append((i, audiences))
    )
    assessment = make_assessment(users["fra"], cycle, "FRA", "returned", reviewer=users["reviewer"])
    # Submitted: the secretariat reads next; returned: the country does.
    assert queued == [(assessment.id, ["reviewer", "country"]), (assessment.id, ["country", "reviewer"])]


def test_the_digest_follows_the_catalogue_translation_and_the_means(
    users, cycle, submitted_and_kept, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    before = kept.digest(submitted_and_kept, content.REVIEWER, "ar")
    original = kept.catalogue_for
    monkeypatch.setattr(
        kept, "catalogue_for", lambda c, lang=None: replace(original(c, lang), translation_revision="edited")
    )
    assert kept.digest(submitted_and_kept, content.REVIEWER, "ar") != before
    monkeypatch.setattr(kept, "catalogue_for", original)
    assert kept.digest(submitted_and_kept, content.REVIEWER, "ar") == before
    # Another country's submission moves the means the secretariat's report prints.
    country_before = kept.digest(submitted_and_kept, content.COUNTRY, "en")
    make_assessment(users["deu"], cycle, "DEU", "submitted", overrides={"IX-4": {"rating": "none"}})
    wait_for_reports()
    assert kept.digest(submitted_and_kept, content.REVIEWER, "ar") != before
    # The country's own report prints only the published means: unchanged until the cycle closes.
    assert kept.digest(submitted_and_kept, content.COUNTRY, "en") == country_before


def test_with_redis_the_reports_go_to_the_queue_and_a_worker_keeps_them(  # type: ignore[no-untyped-def]
    app, users, cycle, renderer, redis_url
) -> None:
    from redis import Redis
    from rq import Queue, SimpleWorker

    name = f"test-kept-{uuid.uuid4().hex[:8]}"
    app.config.update(REDIS_URL=redis_url, REPORT_QUEUE=name)
    connection = Redis.from_url(redis_url)
    queue = Queue(name, connection=connection)
    try:
        assessment = make_assessment(users["fra"], cycle, "FRA", "submitted")
        assert len(queue) == 1 and kept_rows(assessment.id) == []
        SimpleWorker([queue], connection=connection).work(burst=True)
        db.session.expire_all()
        assert len(kept_rows(assessment.id)) == 8
    finally:
        queue.delete(delete_jobs=True)


def test_a_real_pdf_is_kept_and_sent(app, make_client, users, cycle) -> None:  # type: ignore[no-untyped-def]
    app.config["KEPT_REPORT_LANGUAGES"] = ["en"]
    assessment = make_assessment(users["fra"], cycle, "FRA", "submitted")
    wait_for_reports(240)
    row = next(r for r in kept_rows(assessment.id) if r.audience == content.REVIEWER and r.format == "pdf")
    assert row.status == kept.READY, row.error
    reviewer = make_client()
    reviewer.login("reviewer@example.org")
    data = reviewer.get(f"{A}/report.pdf").get_data()
    assert data.startswith(b"%PDF") and "France" in pdf_text(data)
