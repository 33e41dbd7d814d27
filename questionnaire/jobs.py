"""Background work started from the browser: meeting packs.

With REDIS_URL set, jobs go to an RQ queue (REPORT_QUEUE, default "reports")
and a worker started with `questionnaire worker` runs them, so any number of
web processes can share the work.  Without it, the web process runs the job
in a background thread: enough for one machine.  Either way progress is kept
in the `job` table, which is what the browser polls, and the finished pack is
one ZIP file in the instance folder.

Only the reviewer who started a job, or an admin, may see or download it.
"""

from __future__ import annotations

import logging
import os
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
from .models import Cycle, Job, User, utcnow
from .services import NotFound

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


def start_meeting_pack(user: User, cycle: Cycle, language: str = "en") -> tuple[Job, bool]:
    """Queue a meeting pack for the cycle, written in `language`; return (job, created).

    A reviewer who already has a pack of this cycle in that language queued or
    running gets that one back instead of a second: the work is heavy and the
    result the same.
    """
    active = db.session.scalar(
        select(Job)
        .where(
            Job.user_id == user.id,
            Job.cycle_id == cycle.id,
            Job.kind == MEETING_PACK,
            Job.language == language,
            Job.status.in_(ACTIVE),
        )
        .order_by(Job.created_at.desc())
        .limit(1)
    )
    if active is not None and expire_if_stale(active).status in ACTIVE:
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
    """Run an RQ worker on REDIS_URL's REPORT_QUEUE inside the current app context."""
    from redis import Redis
    from rq import Queue, Worker

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    connection = Redis.from_url(app.config["REDIS_URL"])
    app.extensions["jobs_worker_pid"] = os.getpid()
    queue = Queue(app.config.get("REPORT_QUEUE") or DEFAULT_QUEUE, connection=connection)
    Worker([queue], connection=connection).work(burst=burst)
