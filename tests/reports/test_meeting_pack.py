"""The meeting pack: from the command line, and as a background job started in the browser."""

from __future__ import annotations

import io
import time
import uuid
import zipfile
from typing import Any

import pytest

from questionnaire import jobs
from questionnaire.cli import main
from questionnaire.db import db
from questionnaire.models import Job

from ..conftest import add_user
from .conftest import EXPECTED_GAPS, gap_ids, gap_title, make_assessment, pdf_text

PACK = ["2026-DEU-gap-report.pdf", "2026-ESP-gap-report.pdf", "2026-comparison.pdf"]


@pytest.fixture
def pack_world(app, users, cycle) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """DEU submitted, ESP accepted, FRA returned (compared, no report), ITA a draft (nowhere)."""
    esp = add_user("esp@example.org", "respondent", "ESP")
    ita = add_user("ita@example.org", "respondent", "ITA")
    make_assessment(users["deu"], cycle, "DEU", "submitted", overrides={"IX-4": {"rating": "none"}})
    make_assessment(esp, cycle, "ESP", "accepted", reviewer=users["reviewer"])
    make_assessment(users["fra"], cycle, "FRA", "returned", reviewer=users["reviewer"])
    make_assessment(ita, cycle, "ITA", "draft")
    return {"esp": esp, "ita": ita}


def _check_pack(files: dict[str, bytes]) -> None:
    assert sorted(files) == PACK
    comparison = pdf_text(files["2026-comparison.pdf"])
    for name in ("Germany", "Spain", "France"):
        assert name in comparison
    assert "Italy" not in comparison  # a draft is nobody's business but its country's
    assert "The most common gaps" in comparison and "Regional and global means" in comparison
    # Every country has ecosoc-2006.2a as its top gap: it is the most common one (titled by its clause).
    common = comparison[comparison.rindex("The most common gaps") :]
    assert common.index(gap_title("ecosoc-2006.2a")) < common.index(gap_title("ga-1988.2"))
    assert "3 countries" in common
    spain = pdf_text(files["2026-ESP-gap-report.pdf"])
    assert "Gap report" in spain and "Spain" in spain and "not submitted" not in spain.lower()
    germany = pdf_text(files["2026-DEU-gap-report.pdf"])
    assert "Mean of Europe (3 countries)" in germany


def test_the_command_writes_every_submitted_or_accepted_report_and_the_comparison(app, pack_world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "pack"
    result = app.test_cli_runner().invoke(main, ["meeting-pack", "--cycle", "2026", "-o", str(out), "--processes", "2"])
    assert result.exit_code == 0, result.output
    assert f"wrote 3 PDF files to {out}" in result.output and "(2 processes)" in result.output
    assert "Meeting pack 2026" in result.output  # the progress bar's label
    _check_pack({p.name: p.read_bytes() for p in out.iterdir()})


def test_the_command_explains_an_unknown_cycle(app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = app.test_cli_runner().invoke(main, ["meeting-pack", "--cycle", "1999", "-o", str(tmp_path / "x")])
    assert result.exit_code == 1
    assert "There is no cycle '1999'" in result.output
    assert not (tmp_path / "x").exists()


def test_the_command_names_a_report_that_failed_and_exits_non_zero(app, pack_world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    app.config["REPORT_TIMEOUT_SECONDS"] = 0.01
    result = app.test_cli_runner().invoke(main, ["meeting-pack", "--cycle", "2026", "-o", str(tmp_path)])
    assert result.exit_code == 1
    for label in ("comparison", "DEU", "ESP"):
        assert f"error: {label}: rendering took longer than 0.01 seconds" in result.output


def test_the_pack_uses_several_processes_at_once(app, pack_world, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """With two workers, two renderer processes run at the same time."""
    from questionnaire.reports import pack, pdf

    running: list[int] = []
    peak = [0]
    real = pdf.render_pdf

    def counting(*args: Any, **kwargs: Any) -> bytes:
        running.append(1)
        peak[0] = max(peak[0], len(running))
        try:
            return real(*args, **kwargs)
        finally:
            running.pop()

    monkeypatch.setattr(pack, "render_pdf", counting)
    app.config["REPORT_CONCURRENCY"] = 2  # even on a one-core machine
    result = pack.build_meeting_pack(_cycle(), tmp_path, workers=2)
    assert result.ok and len(result.files) == 3
    assert peak[0] == 2


def _cycle() -> Any:
    from questionnaire import services

    return services.find_cycle("2026")


# --------------------------------------------------------------------------
# In the browser: a background job
# --------------------------------------------------------------------------


def _wait(client, url: str, seconds: float = 180) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while True:
        state = client.get(url, headers={"Accept": "application/json"}).get_json()
        if state["status"] in (jobs.FINISHED, jobs.FAILED) or time.monotonic() > deadline:
            return state
        time.sleep(0.3)


def _start(client) -> str:  # type: ignore[no-untyped-def]
    response = client.post_form("/cycles/2026/meeting-pack", page="/cycles/2026/meeting-pack")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/meeting-packs/")
    return location.rsplit("/", 1)[1]


def test_a_reviewer_starts_a_pack_follows_its_progress_and_downloads_one_zip(app, make_client, pack_world) -> None:  # type: ignore[no-untyped-def]
    reviewer = make_client()
    reviewer.login("reviewer@example.org")
    home = reviewer.get("/").get_data(as_text=True)
    assert 'href="/cycles/2026/meeting-pack"' in home
    page = reviewer.get("/cycles/2026/meeting-pack").get_data(as_text=True)
    assert "2 country reports will be included" in page and "Germany, Spain" in page
    job_id = _start(reviewer)
    progress_page = reviewer.get(f"/meeting-packs/{job_id}").get_data(as_text=True)
    assert f'data-status-url="/meeting-packs/{job_id}/status"' in progress_page
    assert "/static/js/meeting-pack.js" in progress_page
    state = _wait(reviewer, f"/meeting-packs/{job_id}/status")
    assert state["status"] == jobs.FINISHED, state
    assert state["done"] == state["total"] == 3 and state["error"] == ""
    assert state["download_url"] == f"/meeting-packs/{job_id}/download"
    finished_page = reviewer.get(f"/meeting-packs/{job_id}").get_data(as_text=True)
    assert "Download the meeting pack (ZIP)" in finished_page and "Refresh now" not in finished_page
    response = reviewer.get(state["download_url"])
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "filename=meeting-pack-2026.zip" in response.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        _check_pack({name: archive.read(name) for name in archive.namelist()})
    # The listing shows it, with its download link.
    listing = reviewer.get("/cycles/2026/meeting-pack").get_data(as_text=True)
    assert f'href="/meeting-packs/{job_id}/download"' in listing


def test_only_the_reviewer_who_started_a_pack_or_an_admin_sees_it(app, make_client, pack_world) -> None:  # type: ignore[no-untyped-def]
    add_user("other-reviewer@example.org", "reviewer")
    owner = make_client()
    owner.login("reviewer@example.org")
    job_id = _start(owner)
    assert _wait(owner, f"/meeting-packs/{job_id}/status")["status"] == jobs.FINISHED
    for email, expected in (
        ("other-reviewer@example.org", 404),
        ("fra@example.org", 404),
        ("deu@example.org", 404),
        ("admin@example.org", 200),
    ):
        client = make_client()
        client.login(email)
        for suffix in ("", "/status", "/download"):
            assert client.get(f"/meeting-packs/{job_id}{suffix}").status_code == expected, (
                email,
                suffix,
            )
    anonymous = make_client()
    assert anonymous.get(f"/meeting-packs/{job_id}/download").status_code == 302
    assert make_client().get(f"/meeting-packs/{uuid.uuid4()}").status_code == 302
    owner_missing = owner.get(f"/meeting-packs/{uuid.uuid4()}/status")
    assert owner_missing.status_code == 404


def test_starting_twice_while_one_runs_returns_the_running_pack(
    make_client, pack_world, users, cycle, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(jobs, "dispatch", lambda job_id: None)  # keep it queued
    job, created = jobs.start_meeting_pack(users["reviewer"], cycle)
    again, created_again = jobs.start_meeting_pack(users["reviewer"], cycle)
    assert created and not created_again and again.id == job.id
    reviewer = make_client()
    reviewer.login("reviewer@example.org")
    response = reviewer.post_form("/cycles/2026/meeting-pack", page="/cycles/2026/meeting-pack", follow_redirects=True)
    assert "already being prepared" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Job)) == 1
    # Another reviewer's pack, or a new one once this one is over, is a new job.
    admins, created = jobs.start_meeting_pack(users["admin"], cycle)
    assert created and admins.id != job.id
    job.status = jobs.FINISHED
    db.session.commit()
    later, created = jobs.start_meeting_pack(users["reviewer"], cycle)
    assert created and later.id != job.id


def test_a_pack_interrupted_by_a_restart_does_not_block_the_next_one(
    make_client, pack_world, users, cycle, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from questionnaire.models import utcnow

    monkeypatch.setattr(jobs, "dispatch", lambda job_id: None)
    lost = Job(
        id=str(uuid.uuid4()),
        kind=jobs.MEETING_PACK,
        cycle_id=cycle.id,
        user_id=users["reviewer"].id,
        status=jobs.RUNNING,
        done=2,
        total=3,
        created_at=utcnow() - timedelta(hours=2),
    )
    db.session.add(lost)
    db.session.commit()
    fresh, created = jobs.start_meeting_pack(users["reviewer"], cycle)
    assert created and fresh.id != lost.id
    db.session.refresh(lost)
    assert lost.status == jobs.FAILED and lost.error == jobs.INTERRUPTED
    reviewer = make_client()
    reviewer.login("reviewer@example.org")
    page = reviewer.get(f"/meeting-packs/{lost.id}").get_data(as_text=True)
    assert "did not finish within 60 minutes: it was probably interrupted" in page
    assert "Refresh now" not in page


def test_a_respondent_cannot_start_a_pack(make_client, pack_world) -> None:  # type: ignore[no-untyped-def]
    client = make_client()
    client.login("fra@example.org")
    assert client.get("/cycles/2026/meeting-pack").status_code == 404
    token = client.csrf_token("/")
    assert client.post("/cycles/2026/meeting-pack", data={"csrf_token": token}).status_code == 404
    assert db.session.scalar(db.select(db.func.count()).select_from(Job)) == 0


def test_starting_a_pack_needs_the_csrf_token(make_client, pack_world) -> None:  # type: ignore[no-untyped-def]
    client = make_client()
    client.login("reviewer@example.org")
    assert client.post("/cycles/2026/meeting-pack", data={}).status_code == 400
    assert db.session.scalar(db.select(db.func.count()).select_from(Job)) == 0


# --------------------------------------------------------------------------
# With Redis: the job goes to an RQ queue and a worker runs it
# --------------------------------------------------------------------------


@pytest.fixture
def rq_queue(app, redis_url):  # type: ignore[no-untyped-def]
    """Point the app at Redis with a queue of its own."""
    from redis import Redis

    name = f"test-reports-{uuid.uuid4().hex[:8]}"
    app.config.update(REDIS_URL=redis_url, REPORT_QUEUE=name)
    yield name
    from rq import Queue

    Queue(name, connection=Redis.from_url(redis_url)).delete(delete_jobs=True)


def test_with_redis_the_pack_is_queued_and_run_by_a_worker(app, make_client, pack_world, rq_queue, redis_url) -> None:  # type: ignore[no-untyped-def]
    from redis import Redis
    from rq import Queue, SimpleWorker

    reviewer = make_client()
    reviewer.login("reviewer@example.org")
    job_id = _start(reviewer)
    state = reviewer.get(f"/meeting-packs/{job_id}/status").get_json()
    assert state["status"] == jobs.QUEUED  # nobody runs it in the web process
    connection = Redis.from_url(redis_url)
    queue = Queue(rq_queue, connection=connection)
    assert len(queue) == 1
    SimpleWorker([queue], connection=connection).work(burst=True)
    db.session.expire_all()
    state = reviewer.get(f"/meeting-packs/{job_id}/status").get_json()
    assert state["status"] == jobs.FINISHED, state
    response = reviewer.get(state["download_url"])
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        assert sorted(archive.namelist()) == PACK


def test_an_unreachable_queue_fails_the_job_with_a_message(app, make_client, pack_world) -> None:  # type: ignore[no-untyped-def]
    app.config.update(REDIS_URL="redis://127.0.0.1:1/0")
    reviewer = make_client()
    reviewer.login("reviewer@example.org")
    response = reviewer.post_form("/cycles/2026/meeting-pack", page="/cycles/2026/meeting-pack", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "The job queue is not reachable, so the pack could not be started" in page
    job = db.session.scalar(db.select(Job))
    assert job.status == jobs.FAILED and job.error == jobs.QUEUE_UNAVAILABLE
    state = reviewer.get(f"/meeting-packs/{job.id}/status").get_json()
    assert state["error"].startswith("The job queue is not reachable")


def test_the_report_fixture_gaps_are_in_the_pack_reports(app, pack_world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """ESP's report in the pack lists exactly the constructed assessment's gaps."""
    from questionnaire.reports.pack import build_meeting_pack

    result = build_meeting_pack(_cycle(), tmp_path, workers=1)
    spain = pdf_text((tmp_path / "2026-ESP-gap-report.pdf").read_bytes())

    assert gap_ids(spain) == EXPECTED_GAPS
    assert result.ok


def test_the_pack_download_is_never_cached_nor_answered_304(app, make_client, pack_world) -> None:  # type: ignore[no-untyped-def]
    reviewer = make_client()
    reviewer.login("reviewer@example.org")
    job_id = _start(reviewer)
    assert _wait(reviewer, f"/meeting-packs/{job_id}/status")["status"] == jobs.FINISHED
    first = reviewer.get(f"/meeting-packs/{job_id}/download")
    assert first.status_code == 200
    assert first.headers.getlist("Cache-Control") == ["no-store"]
    assert "ETag" not in first.headers and "Last-Modified" not in first.headers
    again = reviewer.get(
        f"/meeting-packs/{job_id}/download",
        headers={"If-None-Match": "*", "If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"},
    )
    assert again.status_code == 200 and again.get_data() == first.get_data()


def test_the_pack_is_written_in_the_language_chosen_when_starting_it(app, make_client, pack_world) -> None:  # type: ignore[no-untyped-def]
    reviewer = make_client()
    reviewer.login("reviewer@example.org")
    page = reviewer.get("/cycles/2026/meeting-pack").get_data(as_text=True)
    assert '<option value="fr" lang="fr">Français</option>' in page
    response = reviewer.post_form("/cycles/2026/meeting-pack", {"language": "fr"}, page="/cycles/2026/meeting-pack")
    job_id = response.headers["Location"].rsplit("/", 1)[1]
    state = _wait(reviewer, f"/meeting-packs/{job_id}/status")
    assert state["status"] == jobs.FINISHED, state
    with zipfile.ZipFile(io.BytesIO(reviewer.get(state["download_url"]).get_data())) as archive:
        texts = {name: pdf_text(archive.read(name)) for name in archive.namelist() if name.endswith(".pdf")}
    assert texts and all("Pleinement mis en œuvre" in t or "Catégorie" in t for t in texts.values()), list(texts)
    assert not any("Fully implemented" in t for t in texts.values())
    listing = reviewer.get("/cycles/2026/meeting-pack").get_data(as_text=True)
    assert '<td lang="fr">Français</td>' in listing


def test_a_language_the_platform_does_not_have_is_refused_with_a_message(app, make_client, pack_world) -> None:  # type: ignore[no-untyped-def]
    reviewer = make_client()
    reviewer.login("reviewer@example.org")
    before = db.session.scalar(db.select(db.func.count()).select_from(Job))
    response = reviewer.post_form(
        "/cycles/2026/meeting-pack", {"language": "xx"}, page="/cycles/2026/meeting-pack", follow_redirects=True
    )
    assert response.status_code == 200
    assert "“xx” is not a language of the platform: choose one in the list." in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Job)) == before
