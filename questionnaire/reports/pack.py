"""The meeting pack: every submitted or accepted country's gap report and the comparison, as PDFs.

The HTML of each document is made here, one after the other (it needs the
database and takes a few hundredths of a second); each PDF is then rendered
in its own bounded child process (`pdf.render_pdf`), as many at a time as there
are processor cores.  A report that fails is named in the result and the others
are still written.

A country report kept ahead of time (reports/kept.py) in the pack's language and
still current is copied as it is, not rendered again; one the pack had to render
is kept for the next reader.  A pack may cover one region: its countries'
reports, and the comparison of those countries beside every region's means.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from .. import services
from ..i18n import current_language
from ..models import Assessment, Cycle, User
from . import content, documents, kept
from .pdf import ReportRenderError, cores, render_pdf

Progress = Callable[[int, int], None]


@dataclass
class PackResult:
    """What a meeting pack run produced: the files written and what failed, with why."""

    files: list[Path] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)
    workers: int = 1  # renderers that ran at once
    reused: int = 0  # country reports copied from the kept ones instead of rendered

    @property
    def ok(self) -> bool:
        return not self.failures


def available_cores() -> int:
    """Return how many processor cores this process may use."""
    return cores()


def pack_assessments(cycle: Cycle, region: str = "") -> list[Assessment]:
    """Return the assessments whose reports go into the pack (submitted or accepted), of one region or all."""
    found = services.visible_assessments(None, cycle, documents.PACK_STATUSES, with_scores=True)
    return [a for a in found if not region or (a.country.region or "—") == region]


def regions_of(cycle: Cycle) -> list[str]:
    """Return the regions of the countries whose assessments reached the reviewers, by name."""
    return sorted({a.country.region or "—" for a in services.visible_assessments(None, cycle)}, key=str.casefold)


def build_meeting_pack(
    cycle: Cycle,
    out_dir: str | Path,
    *,
    workers: int | None = None,
    progress: Progress | None = None,
    language: str | None = None,
    region: str = "",
    user: User | None = None,
) -> PackResult:
    """Write the comparison and every pack country's report as PDFs into `out_dir`.

    `progress(done, total)` is called from the calling thread (so it may use
    the database) after each finished document.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    assessments = pack_assessments(cycle, region)
    total = len(assessments) + 1
    root, limits = documents.static_root(), documents.limits()
    # Never more than the renderers the process may run at once (REPORT_CONCURRENCY).
    workers = min(workers or available_cores(), limits.concurrency or available_cores())
    report_progress = progress or (lambda done, total: None)
    result = PackResult(workers=workers)
    pending: dict[Future[Path], str] = {}
    keep_after: dict[str, tuple[Assessment, str, str]] = {}  # label → (assessment, language, digest)
    done = 0
    report_progress(0, total)

    def render(html: str, target: Path) -> Path:
        target.write_bytes(render_pdf(html, root, limits))
        return target

    def collect(block: bool) -> None:
        nonlocal done
        if not pending:
            return
        finished, _ = wait(list(pending), timeout=None if block else 0, return_when=FIRST_COMPLETED)
        for future in finished:
            label = pending.pop(future)
            try:
                written = future.result()
                result.files.append(written)
                if label in keep_after:  # rendered here: keep it for the next reader
                    assessment, lang, current = keep_after[label]
                    kept.store(assessment, content.REVIEWER, lang, kept.PDF, current, kept.READY, written.read_bytes())
            except ReportRenderError as error:
                result.failures.append((label, error.message))
            except OSError as error:
                result.failures.append((label, f"could not write the file: {error}"))
            done += 1
            report_progress(done, total)

    with documents.rendering(language), ThreadPoolExecutor(max_workers=workers) as executor:
        comparison = services.reviewable_comparison(cycle)
        lang = current_language()
        jobs: list[tuple[str, Callable[[], str], Path]] = []
        # Longest first (a report's length follows its gaps), so that no long report is
        # left rendering alone at the end while the other cores sit idle.
        for assessment in sorted(assessments, key=lambda a: -len(services.scores_of(a)["gaps"])):
            target = out / documents.report_filename(cycle.code, assessment.country_iso3)
            copy = kept.kept_pdf(assessment, lang, comparison)
            if copy is not None:
                target.write_bytes(copy)
                result.files.append(target)
                result.reused += 1
                done += 1
                report_progress(done, total)
                continue
            if kept.keepable(assessment):
                keep_after[assessment.country_iso3] = (
                    assessment,
                    lang,
                    kept.digest(assessment, content.REVIEWER, lang, comparison),
                )
            jobs.append(
                (
                    assessment.country_iso3,
                    lambda a=assessment: documents.country_report_html(  # type: ignore[misc]
                        documents.country_report(a, content.REVIEWER, comparison), pdf=True
                    ),
                    out / documents.report_filename(cycle.code, assessment.country_iso3),
                )
            )
        jobs.append(
            (
                "comparison",
                lambda: documents.comparison_report_html(
                    documents.comparison_report(cycle, comparison, region=region, user=user), pdf=True
                ),
                out / documents.comparison_filename(cycle.code),
            )
        )
        for label, make_html, target in jobs:
            pending[executor.submit(render, make_html(), target)] = label
            collect(block=False)
            while len(pending) > workers:  # keep the queue short: HTML holds memory
                collect(block=True)
        while pending:
            collect(block=True)
    result.files.sort()
    return result


def zip_pack(files: list[Path], target: str | Path) -> Path:
    """Put the pack's PDFs into one ZIP file (written beside, then moved into place)."""
    target = Path(target)
    partial = target.with_name(target.name + ".part")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            archive.write(path, arcname=path.name)
    partial.replace(target)
    return target
