"""Background work: meeting packs started from the browser, and country reports kept ahead of time.

With REDIS_URL set, jobs go to an RQ queue (REPORT_QUEUE, default "reports")
and a worker started with `questionnaire worker` runs them, so any number of
web processes can share the work.  Without it, the web process runs the job
in a background thread: enough for one machine.  Either way progress is kept
in the `job` table, which is what the browser polls, and the finished pack is
one ZIP file in the instance folder.

Only the reviewer who started a job, or an admin, may see or download it.

Country reports (reports/kept.py) go the same way: to the same RQ queue with
REDIS_URL, else to one background thread per web process that renders them one
assessment after the other (a second request for an assessment already waiting
is dropped: the job reads the assessment as it is when it runs).
"""

from __future__ import annotations

import logging
import os
import queue as queues
import shutil
import tempfile
import threading
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import select, update

from .db import db
from .models import Cycle, Job, MeetingPackRegion, User, utcnow
from .services import NotFound, lifecycle

log = logging.getLogger(__name__)

MEETING_PACK = "meeting-pack"
QUEUED, RUNNING, FINISHED, FAILED = "queued", "running", "finished", "failed"
ACTIVE = (QUEUED, RUNNING)
DEFAULT_QUEUE = "reports"
DEFAULT_TIMEOUT = 3600  # MEETING_PACK_TIMEOUT_SECONDS
# Errors the pages explain in the reader's language (job.error holds the key).
QUEUE_UNAVAILABLE = "error:queue-unavailable"
INTERRUPTED = "error:interrupted"


class JobQueueUnavailable(RuntimeError):
    """The job queue (Redis) could not take the job."""


def packs_folder(app: Flask | None = None) -> Path:
    """Return (and create) the folder holding finished meeting packs."""
    app = app or current_app
    folder = Path(app.config.get("MEETING_PACK_FOLDER") or Path(app.instance_path) / "meeting-packs")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def job_for(user: User, job_id: str) -> Job:
    """Return the job if this user may see it (its starter or an admin); NotFound otherwise."""
    job = db.session.get(Job, job_id) if isinstance(job_id, str) and len(job_id) <= 36 else None
    if job is None or not user.is_reviewer or (job.user_id != user.id and not user.is_admin):
        raise NotFound("No such job.")
    return expire_if_stale(job)


def pack_timeout() -> int:
    """Return how long a meeting pack may take before it counts as interrupted (seconds)."""
    return int(current_app.config.get("MEETING_PACK_TIMEOUT_SECONDS") or DEFAULT_TIMEOUT)


def expire_if_stale(job: Job) -> Job:
    """Mark a job failed if it has been queued or running longer than any pack takes.

    A pack run by a thread of a web process dies with the process (a restart, a
    deploy); without this its reviewer could never start another one.
    """
    started = job.created_at
    if job.status in ACTIVE and started < utcnow() - timedelta(seconds=pack_timeout()):
        _finish(job.id, FAILED, error=INTERRUPTED)
        db.session.refresh(job)
    return job


def jobs_of(user: User, cycle: Cycle, limit: int = 10) -> list[Job]:
    """Return the user's latest meeting-pack jobs of a cycle, newest first."""
    found = db.session.scalars(
        select(Job)
        .where(Job.user_id == user.id, Job.cycle_id == cycle.id, Job.kind == MEETING_PACK)
        .order_by(Job.created_at.desc())
        .limit(limit)
    )
    return [expire_if_stale(job) for job in found]


def result_file(job: Job) -> Path | None:
    """Return the finished pack's ZIP file, if it is there."""
    if job.status != FINISHED or not job.result_path:
        return None
    path = packs_folder() / Path(job.result_path).name
    return path if path.is_file() else None


def region_of(job: Job) -> str:
    """Return the region a meeting pack is limited to, "" for all."""
    found = db.session.get(MeetingPackRegion, job.id)
    return found.region if found is not None else ""


def start_meeting_pack(user: User, cycle: Cycle, language: str = "en", region: str = "") -> tuple[Job, bool]:
    """Queue a meeting pack for the cycle, written in `language`, of one region or all; return (job, created).

    A reviewer who already has a pack of this cycle in that language and region
    queued or running gets that one back instead of a second: the work is heavy
    and the result the same.
    """
    active_jobs = list(
        db.session.scalars(
            select(Job)
            .where(
                Job.user_id == user.id,
                Job.cycle_id == cycle.id,
                Job.kind == MEETING_PACK,
                Job.language == language,
                Job.status.in_(ACTIVE),
            )
            .order_by(Job.created_at.desc())
        )
    )
    for active in active_jobs:
        if region_of(active) == region and expire_if_stale(active).status in ACTIVE:
            return active, False
    job = Job(
        id=str(uuid.uuid4()),
        kind=MEETING_PACK,
        cycle_id=cycle.id,
        user_id=user.id,
        status=QUEUED,
        done=0,
        total=0,
        language=language,
    )
    db.session.add(job)
    if region:
        db.session.add(MeetingPackRegion(job_id=job.id, region=region))
    db.session.commit()
    try:
        dispatch(job.id)
    except JobQueueUnavailable as error:
        log.warning("meeting pack %s not queued: %s", job.id, error)
        _finish(job.id, FAILED, error=QUEUE_UNAVAILABLE)
        db.session.refresh(job)
    return job, True


def dispatch(job_id: str) -> None:
    """Hand the job to RQ when REDIS_URL is set, else to a background thread of this process."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    url = app.config.get("REDIS_URL")
    if url:
        from redis import Redis
        from redis.exceptions import RedisError
        from rq import Queue

        try:
            queue = Queue(app.config.get("REPORT_QUEUE") or DEFAULT_QUEUE, connection=Redis.from_url(url))
            queue.enqueue(
                "questionnaire.jobs.run_meeting_pack",
                job_id,
                job_id=f"meeting-pack-{job_id}",
                job_timeout=pack_timeout(),
                result_ttl=3600,
                failure_ttl=7 * 24 * 3600,
            )
        except RedisError as error:
            log.error("could not queue meeting pack %s: %s", job_id, error)
            raise JobQueueUnavailable(
                "The job queue (Redis) is not reachable, so the pack could not be started. "
                "Try again later or tell the platform operator."
            ) from error
        return
    thread = threading.Thread(target=_run_in_thread, args=(app, job_id), name=f"meeting-pack-{job_id[:8]}", daemon=True)
    thread.start()


def _run_in_thread(app: Flask, job_id: str) -> None:
    with app.app_context():
        try:
            run_job(job_id)
        finally:
            db.session.remove()


def run_meeting_pack(job_id: str) -> str:
    """Run a queued meeting pack (the function RQ workers call); return its status."""
    if has_app_context():
        if current_app.extensions.get("jobs_worker_pid") not in (None, os.getpid()):
            # An RQ work horse forked from the worker: never share its database connections.
            db.engine.dispose(close=False)
        return run_job(job_id)
    # The job needs the application's configuration: `questionnaire worker` runs the queue
    # inside it (and so does any worker that pushes an application context first).
    raise RuntimeError("run meeting packs with `questionnaire worker`, which gives the jobs the application")


def _update(job_id: str, **values: Any) -> None:
    db.session.execute(update(Job).where(Job.id == job_id).values(**values))
    db.session.commit()


def _finish(job_id: str, status: str, *, result_path: str | None = None, error: str = "") -> None:
    _update(job_id, status=status, result_path=result_path, error=error[:5000], finished_at=utcnow())


def run_job(job_id: str) -> str:
    """Build the job's meeting pack, keeping its progress in the job table; return the status."""
    from .reports.pack import build_meeting_pack, zip_pack

    job = db.session.get(Job, job_id)
    if job is None or job.status not in ACTIVE:
        return job.status if job is not None else "missing"
    cycle = db.session.get(Cycle, job.cycle_id)
    user = db.session.get(User, job.user_id) if job.user_id else None
    if cycle is None:
        _finish(job_id, FAILED, error="The cycle no longer exists.")
        return FAILED
    _update(job_id, status=RUNNING)
    folder = packs_folder()
    work = Path(tempfile.mkdtemp(prefix=f"pack-{job_id[:8]}-", dir=folder))
    try:
        result = build_meeting_pack(
            cycle,
            work,
            language=job.language or (user.locale if user is not None else None),
            progress=lambda done, total: _update(job_id, done=done, total=total),
            region=region_of(job),
            user=user,
        )
        if not result.files:
            _finish(job_id, FAILED, error=_failures(result.failures) or "Nothing was produced.")
            return FAILED
        name = f"{job_id}.zip"
        zip_pack(result.files, folder / name)
        _finish(job_id, FINISHED, result_path=name, error=_failures(result.failures))
        return FINISHED
    except Exception as error:
        log.exception("meeting pack %s failed", job_id)
        db.session.rollback()
        _finish(job_id, FAILED, error=f"The pack could not be made: {type(error).__name__}: {error}")
        return FAILED
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _failures(failures: list[tuple[str, str]]) -> str:
    return "\n".join(f"{label}: {why}" for label, why in failures)


def run_worker(burst: bool = False) -> None:
    """Run an RQ worker on REDIS_URL's queues inside the current app context: REPORT_QUEUE (meeting packs,
    kept reports) and MAIL_QUEUE (e-mail and the hourly reminders, questionnaire/mail.py)."""
    from redis import Redis
    from rq import Queue, Worker

    from . import mail

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    connection = Redis.from_url(app.config["REDIS_URL"])
    app.extensions["jobs_worker_pid"] = os.getpid()
    names = dict.fromkeys(
        [app.config.get("REPORT_QUEUE") or DEFAULT_QUEUE, app.config.get("MAIL_QUEUE") or mail.DEFAULT_QUEUE]
    )
    Worker([Queue(name, connection=connection) for name in names], connection=connection).work(burst=burst)


# --------------------------------------------------------------------------
# Country reports kept ahead of time (reports/kept.py)
# --------------------------------------------------------------------------

ReportTask = tuple[int, tuple[str, ...], tuple[str, ...]]  # assessment id, audiences, languages


class _ReportThread:
    """One background thread of this process rendering kept reports, fed by a queue without repeats."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: queues.Queue[ReportTask] = queues.Queue()
        self._waiting: set[ReportTask] = set()
        self._thread: threading.Thread | None = None
        self._busy = 0

    def put(self, app: Flask, task: ReportTask) -> None:
        with self._lock:
            if task in self._waiting:
                return
            self._waiting.add(task)
            self._busy += 1
            self._queue.put(task)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, args=(app,), name="kept-reports", daemon=True)
                self._thread.start()

    def _run(self, app: Flask) -> None:
        while True:
            try:
                task = self._queue.get(timeout=30)
            except queues.Empty:
                with self._lock:
                    if self._queue.empty():
                        self._thread = None
                        return
                continue
            with self._lock:
                self._waiting.discard(task)
            try:
                with app.app_context():
                    try:
                        _keep(task)
                    finally:
                        db.session.remove()
            except Exception:
                log.exception("kept reports of assessment %s failed", task[0])
            finally:
                with self._lock:
                    self._busy -= 1

    def idle(self) -> bool:
        with self._lock:
            return self._busy == 0


_report_thread = _ReportThread()


def _keep(task: ReportTask) -> int:
    from .reports.kept import keep

    assessment_id, audiences, languages = task
    return keep(assessment_id, audiences=audiences or None, languages=languages or None)


def enqueue_reports(assessment_id: int, audiences: list[str] | None = None, languages: list[str] | None = None) -> None:
    """Queue the rendering of an assessment's kept reports: to RQ with REDIS_URL, else to this process's thread.

    Raises JobQueueUnavailable when Redis does not take it.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    task: ReportTask = (assessment_id, tuple(audiences or ()), tuple(languages or ()))
    url = app.config.get("REDIS_URL")
    if not url:
        _report_thread.put(app, task)
        return
    from redis import Redis
    from redis.exceptions import RedisError
    from rq import Queue

    try:
        queue = Queue(app.config.get("REPORT_QUEUE") or DEFAULT_QUEUE, connection=Redis.from_url(url))
        queue.enqueue(
            "questionnaire.jobs.run_kept_reports",
            assessment_id,
            list(task[1]),
            list(task[2]),
            job_timeout=pack_timeout(),
            result_ttl=600,
            failure_ttl=7 * 24 * 3600,
        )
    except RedisError as error:
        log.error("could not queue the reports of assessment %s: %s", assessment_id, error)
        raise JobQueueUnavailable("The job queue (Redis) is not reachable.") from error


def run_kept_reports(assessment_id: int, audiences: list[str], languages: list[str]) -> int:
    """Render an assessment's kept reports (the function RQ workers call); return how many were rendered."""
    if not has_app_context():
        raise RuntimeError("run kept reports with `questionnaire worker`, which gives the jobs the application")
    if current_app.extensions.get("jobs_worker_pid") not in (None, os.getpid()):
        db.engine.dispose(close=False)
    return _keep((assessment_id, tuple(audiences), tuple(languages)))


def reports_idle() -> bool:
    """Tell whether this process's report thread has nothing queued or running (tests and benchmarks wait on it)."""
    return _report_thread.idle()


def on_transition(assessment: Any, action: str = "") -> None:
    """Queue the reports of an assessment just submitted, returned or accepted (never fails the transition)."""
    from .reports import content, kept

    if not kept.keepable(assessment):
        return
    first = kept.FIRST_READER.get(action, content.REVIEWER)
    audiences = [first] + [a for a in content.AUDIENCES if a != first]
    try:
        enqueue_reports(assessment.id, audiences=audiences, languages=kept.kept_languages())
    except Exception:  # noqa: BLE001 - the transition is committed; a report can still be rendered on demand
        log.exception("reports of assessment %s not queued after %s", assessment.id, action)


lifecycle.transitioned.connect(on_transition)
