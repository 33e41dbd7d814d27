"""HTML to PDF with WeasyPrint, safely: the only module that imports WeasyPrint.

Two guards stand between a report and the server:

* `StaticOnlyFetcher` is the only way WeasyPrint can load anything.  It serves
  the application's own static files, read from disk by path, and `data:` URIs;
  it refuses `file:` URLs, every network address (127.0.0.1 included) and
  anything else, so it can never follow a redirect either.
* `render_pdf` renders in a child process whose address space is capped
  (RLIMIT_AS) and which is killed when it takes too long, so a pathological
  report ends with a clear `ReportRenderError` instead of stalling or
  exhausting the server.

The children are started by a fork server that has WeasyPrint imported
already: starting one costs a few milliseconds, and they never inherit the
web server's threads or database connections.
"""

from __future__ import annotations

import mimetypes
import multiprocessing
import os
import resource
import signal
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import weasyprint
from weasyprint.urls import URLFetcherResponse

#: Every report is rendered against this base URL; ".invalid" never resolves.
REPORT_ORIGIN = "https://report.invalid"
#: Where the static files appear under REPORT_ORIGIN (templates use this in PDF mode).
STATIC_PATH = "/static/"
PDF_VARIANT = "pdf/ua-1"
_MB = 1024 * 1024


class ReportRenderError(Exception):
    """The PDF could not be produced; `reason` is 'timeout', 'memory' or 'failed'."""

    reason = "failed"

    def __init__(self, message: str, *, limit: float | int | None = None):
        super().__init__(message)
        self.message = message
        self.limit = limit


class ReportTimeout(ReportRenderError):
    """Rendering took longer than REPORT_TIMEOUT_SECONDS and was stopped."""

    reason = "timeout"


class ReportMemoryExceeded(ReportRenderError):
    """Rendering needed more memory than REPORT_MEMORY_MB and was stopped."""

    reason = "memory"


class ReportBusy(ReportRenderError):
    """Every renderer of this process stayed busy with other reports."""

    reason = "busy"


class RefusedURL(ValueError):
    """The renderer asked for something a report may not load."""


class StaticOnlyFetcher(weasyprint.URLFetcher):  # type: ignore[misc]  # WeasyPrint is untyped
    """Serve the application's static files and data: URIs; refuse everything else.

    `refused` lists every URL that was asked for and refused (for logs and tests).
    """

    def __init__(self, static_root: str | Path) -> None:
        super().__init__(allowed_protocols=("data",), allow_redirects=False, fail_on_errors=False)
        self.static_root = Path(static_root).resolve()
        self.refused: list[str] = []
        self.served: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        """Return the resource at `url` if a report may load it; raise RefusedURL otherwise."""
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            # urllib's DataHandler decodes it; allowed_protocols=("data",) bars the rest.
            response = super().fetch(url, headers)
            self.served.append("data:")
            return response
        path = self.static_path(url)
        if path is None:
            self.refused.append(url)
            raise RefusedURL(f"reports may not load {url[:200]!r}")
        self.served.append(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": content_type})

    def static_path(self, url: str) -> Path | None:
        """Return the file under the static folder that `url` names, or None."""
        try:
            parts = urlsplit(url)
        except ValueError:
            return None
        origin = f"{parts.scheme}://{parts.netloc}".lower()
        if origin != REPORT_ORIGIN or not parts.path.startswith(STATIC_PATH):
            return None
        relative = unquote(parts.path[len(STATIC_PATH) :])
        if not relative or "\x00" in relative:
            return None
        candidate = (self.static_root / relative).resolve()
        if not candidate.is_relative_to(self.static_root) or not candidate.is_file():
            return None
        return candidate


def write_pdf(html: str, static_root: str | Path, fetcher: StaticOnlyFetcher | None = None) -> bytes:
    """Render HTML to a tagged PDF in this process (no time or memory bound: see render_pdf)."""
    fetcher = fetcher or StaticOnlyFetcher(static_root)
    document = weasyprint.HTML(string=html, base_url=REPORT_ORIGIN + "/", url_fetcher=fetcher)
    pdf: bytes = document.write_pdf(pdf_variant=PDF_VARIANT, pdf_identifier=None, custom_metadata=True)
    return pdf


def _child(sender: Any, html: str, static_root: str, memory_bytes: int, cpu_seconds: int) -> None:
    """Render in the child: cap memory and CPU first, then send back ('ok', pdf) or why not."""
    try:
        if memory_bytes:
            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        if cpu_seconds:
            # A second line of defence should the parent die before it can kill us.
            resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
        pdf = write_pdf(html, static_root)
    except MemoryError:
        outcome: tuple[str, Any] = ("memory", "")
    except Exception as error:  # noqa: BLE001 - everything goes back to the parent as a message
        outcome = ("error", f"{type(error).__name__}: {error}"[:2000])
    else:
        outcome = ("ok", pdf)
    try:
        sender.send(outcome)
    except MemoryError:
        os._exit(3)
    finally:
        sender.close()


#: Modules the fork server imports once, so that children start with them loaded.  Besides
#: WeasyPrint (this module), multiprocessing makes each child re-run the parent's main script
#: (an import of the entry point: the `questionnaire` command, gunicorn, waitress), which is
#: instant when those are loaded already.  Missing ones are skipped.
PRELOAD = [__name__, "questionnaire.cli", "gunicorn.app.wsgiapp", "waitress"]


def _context() -> Any:
    """Return the multiprocessing context: a fork server with WeasyPrint loaded."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


@dataclass(frozen=True)
class Limits:
    """How long and how much memory one report may take, and how many render at once."""

    timeout: float = 60
    memory_mb: int = 1024
    concurrency: int = 0  # renderers at once in this process; 0: one per processor core

    @classmethod
    def of(cls, config: Any) -> Limits:
        """Read REPORT_TIMEOUT_SECONDS, REPORT_MEMORY_MB and REPORT_CONCURRENCY from a config."""
        return cls(
            timeout=float(config.get("REPORT_TIMEOUT_SECONDS") or 60),
            memory_mb=int(config.get("REPORT_MEMORY_MB") or 0),
            concurrency=int(config.get("REPORT_CONCURRENCY") or 0),
        )


class _Slots:
    """The renderers a process may run at once: more would only queue for the same cores
    while each holds up to REPORT_MEMORY_MB."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._size = 0
        self._semaphore = threading.BoundedSemaphore(1)

    def get(self, size: int) -> threading.BoundedSemaphore:
        size = size or cores()
        with self._lock:
            if size != self._size:
                self._size, self._semaphore = size, threading.BoundedSemaphore(size)
            return self._semaphore


_slots = _Slots()


def cores() -> int:
    """Return how many processor cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def render_pdf(html: str, static_root: str | Path, limits: Limits) -> bytes:
    """Render HTML to PDF in a child process bounded by `limits`; raise ReportRenderError.

    At most `limits.concurrency` renderers run at once in this process; a report
    that cannot start within `limits.timeout` seconds raises ReportBusy.
    """
    slot = _slots.get(limits.concurrency)
    if not slot.acquire(timeout=limits.timeout):
        raise ReportBusy(
            f"every renderer stayed busy for {limits.timeout:g} seconds (REPORT_CONCURRENCY)",
            limit=limits.timeout,
        )
    try:
        return _render_in_child(html, static_root, limits)
    finally:
        slot.release()


def _render_in_child(html: str, static_root: str | Path, limits: Limits) -> bytes:
    context = _context()
    receiver, sender = context.Pipe(duplex=False)
    cpu_seconds = int(limits.timeout) + 5
    process = context.Process(
        target=_child,
        args=(sender, html, str(static_root), limits.memory_mb * _MB, cpu_seconds),
        daemon=True,
    )
    process.start()
    sender.close()
    try:
        if not receiver.poll(limits.timeout):
            raise ReportTimeout(
                f"rendering took longer than {limits.timeout:g} seconds and was stopped (REPORT_TIMEOUT_SECONDS)",
                limit=limits.timeout,
            )
        try:
            kind, payload = receiver.recv()
        except EOFError:
            process.join(5)
            raise _crashed(process.exitcode, limits) from None
    finally:
        if process.is_alive():
            process.kill()
        process.join(5)
        receiver.close()
    if kind == "ok":
        return bytes(payload)
    if kind == "memory":
        raise ReportMemoryExceeded(
            f"rendering needed more than {limits.memory_mb} MB of memory and was stopped (REPORT_MEMORY_MB)",
            limit=limits.memory_mb,
        )
    raise ReportRenderError(f"rendering failed: {payload}")


MEMORY_EXITS = (
    -signal.SIGKILL,
    -signal.SIGABRT,
    -signal.SIGSEGV,
    -signal.SIGBUS,
    -signal.SIGTRAP,
    3,
)


def _crashed(exitcode: int | None, limits: Limits) -> ReportRenderError:
    """Explain a child that ended without an answer (usually a failed allocation in C code).

    Under the address-space cap, C libraries fail in their own ways: GLib aborts with
    SIGTRAP when it cannot start a thread, others abort (SIGABRT) or crash (SIGSEGV, SIGBUS);
    the kernel's out-of-memory killer sends SIGKILL.
    """
    if exitcode is not None and exitcode in MEMORY_EXITS:
        return ReportMemoryExceeded(
            f"the renderer stopped (exit {exitcode}), most likely because it needed more than "
            f"{limits.memory_mb} MB of memory (REPORT_MEMORY_MB)",
            limit=limits.memory_mb,
        )
    if exitcode == -signal.SIGXCPU:  # the CPU limit of the child
        return ReportTimeout(
            f"rendering used more than {limits.timeout:g} seconds of processor time and was "
            "stopped (REPORT_TIMEOUT_SECONDS)",
            limit=limits.timeout,
        )
    return ReportRenderError(f"the renderer stopped unexpectedly (exit {exitcode})")
