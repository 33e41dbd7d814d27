"""Evidence files: every accepted type attached, every attack refused or served inertly, and who sees what.

Files are made in memory (tests/evidence/conftest.py): a small real PDF, Word, Excel, PowerPoint and
OpenDocument files, PNG/JPEG/GIF/WebP images; HTML and SVG with script named .pdf or .png, a PDF with
HTML behind it, a GIF with a ZIP archive behind it, a PDF with JavaScript, a ZIP bomb named .docx
whose parts inflate to gigabytes, an oversized file.  Reviewers see shared files only, and never learn
that an internal one exists; another country's user gets 404 for everything.
"""

from __future__ import annotations

import hashlib
import io
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from questionnaire import services
from questionnaire.db import db
from questionnaire.models import AnswerChange, Assessment, EvidenceFile, User
from questionnaire.services import evidence

from .conftest import (
    BASE,
    HTML_PAGE,
    SVG_SCRIPT,
    accepted_files,
    attach,
    gifar,
    image,
    lying_zip,
    odf,
    ooxml,
    pdf,
    zip_bomb,
)

UPLOAD = f"{BASE}/items/CL-1/evidence"
SECTION = f"{BASE}/sections/criminal-law"


def _count() -> int:
    db.session.expire_all()
    return int(db.session.scalar(select(func.count()).select_from(EvidenceFile)) or 0)


def _version(assessment: Assessment) -> int:
    db.session.expire_all()
    return int(db.session.scalar(select(Assessment.version).where(Assessment.id == assessment.id)) or 0)


def _form(client: Any, name: str, data: bytes, title: str = "Loi n° 2013-711", **extra: Any) -> Any:
    """Post the upload form as the section page does (multipart, with the page's CSRF token)."""
    fields = {
        "csrf_token": client.csrf_token(SECTION),
        "file": (io.BytesIO(data), name),
        "title": title,
        "date": "2013-08-05",
        **extra,
    }
    return client.post(UPLOAD, data=fields, content_type="multipart/form-data")


# ---------------------------------------------------------------------------
# Every accepted type, through the form
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(accepted_files()))
def test_each_accepted_type_is_attached_with_its_type_found_from_the_content(client, users, fra, kind):
    name, data, media_type = accepted_files()[kind]
    client.login("fra@example.org")
    before = _version(fra)

    response = _form(client, name, data, shared="true")

    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert response.headers["Location"].endswith("/sections/criminal-law#evidence-CL-1")
    record = db.session.scalar(select(EvidenceFile))
    assert record.media_type == media_type
    assert record.sha256 == hashlib.sha256(data).hexdigest()
    assert record.size == len(data)
    assert record.shared is True
    assert record.title == "Loi n° 2013-711"
    assert record.document_date.isoformat() == "2013-08-05"
    assert record.filename == name
    assert record.storage == "db"
    assert _version(fra) == before + 1, "attaching moves the assessment's version on (cached pages refresh)"
    page = client.get(SECTION).get_data(as_text=True)
    assert "Loi n° 2013-711" in page and "shared with reviewers" in page
    assert f'href="{BASE}/evidence/{record.id}"' in page


def test_the_type_comes_from_the_content_not_the_name(client, users, fra):
    client.login("fra@example.org")
    response = _form(client, "rapport.pdf", image("PNG"))
    assert response.status_code == 302
    record = db.session.scalar(select(EvidenceFile))
    assert record.media_type == "image/png"
    assert record.filename == "rapport.pdf.png", "the download name ends in the real type's extension"


def test_the_original_name_is_kept_only_as_a_clean_display_name():
    kind = evidence.PDF
    assert evidence.display_name("C:\\Users\\x\\Desktop\\loi.pdf", kind) == "loi.pdf"
    assert evidence.display_name("../../etc/passwd", kind) == "passwd.pdf"
    assert evidence.display_name("fdp\u202egnp.pdf", kind) == "fdpgnp.pdf", "no direction override"
    assert evidence.display_name("a\x00b\nc.pdf", kind) == "abc.pdf"
    assert evidence.display_name("", kind) == "evidence.pdf"
    assert evidence.display_name("...", kind) == "evidence.pdf"
    assert evidence.display_name("قانون.PDF", kind) == "قانون.pdf"
    long = evidence.display_name("x" * 400 + ".pdf", kind)
    assert len(long) == evidence.MAX_FILENAME and long.endswith(".pdf")


# ---------------------------------------------------------------------------
# Attacks: refused, beside the form, nothing saved
# ---------------------------------------------------------------------------

ATTACKS = {
    "html named .pdf": ("loi.pdf", HTML_PAGE, "web page or script"),
    "svg with script named .pdf": ("loi.pdf", SVG_SCRIPT, "web page or script"),
    "svg with script named .png": ("schema.png", SVG_SCRIPT, "web page or script"),
    "pdf with html behind it (polyglot)": (
        "loi.pdf",
        pdf(tail=b"<html><body><script>alert(document.domain)</script></body></html>"),
        "web page or script",
    ),
    "pdf with data after its end (polyglot)": ("loi.pdf", pdf(tail=b"\x00" * 2048 + b"MZ payload"), "disguised"),
    "pdf behind another header (polyglot)": ("loi.pdf", b"GIF89a;" + pdf(), "disguised"),
    "gif with a zip behind it (polyglot)": ("affiche.gif", gifar(), "disguised"),
    "png with data after its end": ("schema.png", image("PNG") + b"<?php system($_GET[1]); ?>", "disguised"),
    "pdf running javascript": (
        "loi.pdf",
        pdf(catalog=b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >> "),
        "JavaScript",
    ),
    "pdf hiding javascript as #xx": (
        "loi.pdf",
        pdf(catalog=b"/OpenAction << /S /J#61vaScript /JS (x) >> "),
        "JavaScript",
    ),
    "zip bomb named .docx": ("decret.docx", zip_bomb(), "ZIP bomb"),
    "zip declaring gigabytes named .docx": ("decret.docx", lying_zip(), "ZIP bomb"),
    "word with macros": ("decret.docx", ooxml("docx", extra={"word/vbaProject.bin": b"\x00" * 64}), "macros"),
    "macro-enabled type named .docx": (
        "decret.docx",
        ooxml("docx", main_type="application/vnd.ms-word.document.macroEnabled.main+xml"),
        "macros",
    ),
    "opendocument with basic macros": ("plan.odt", odf(extra={"Basic/Standard/Module1.xml": b"<x/>"}), "macros"),
    "old word 97 format": ("decret.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024), "97–2003"),
    "windows program named .pdf": ("loi.pdf", b"MZ\x90\x00\x03" + bytes(500), "not accepted"),
    "plain text named .pdf": ("loi.pdf", b"Loi n 2013-711 du 5 aout 2013", "could not be recognised"),
    "empty file": ("loi.pdf", b"", "empty"),
}


@pytest.mark.parametrize("case", sorted(ATTACKS))
def test_an_attack_is_refused_beside_the_form_and_nothing_is_saved(client, users, fra, case):
    name, data, reason = ATTACKS[case]
    client.login("fra@example.org")
    before = (_count(), _version(fra))

    response = _form(client, name, data)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    error = re.search(r'id="evidence-CL-1-file-error">(.*?)</p>', page, re.S)
    assert error, "the reason is shown beside the file field"
    assert reason in error.group(1)
    assert 'aria-invalid="true"' in page
    assert 'value="Loi n° 2013-711"' in page, "the typed title is kept"
    assert (_count(), _version(fra)) == before


def test_a_file_over_the_limit_is_refused_with_its_size(client, users, fra, app):
    app.config["EVIDENCE_MAX_BYTES"] = 100_000
    client.login("fra@example.org")
    response = _form(client, "loi.pdf", pdf(body=b" " * 150_000))
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "up to 0.1 MB" in page and 'id="evidence-CL-1-file-error"' in page
    assert _count() == 0


def test_a_request_far_over_the_limit_is_cut_off_before_it_is_read(client, users, fra, app):
    app.config["EVIDENCE_MAX_BYTES"] = 100_000
    client.login("fra@example.org")
    response = _form(client, "loi.pdf", b"%PDF-" + bytes(2_000_000))
    assert response.status_code == 413
    assert "larger than 0.1 MB" in response.get_data(as_text=True)
    assert _count() == 0


@pytest.mark.parametrize(
    ("fields", "field", "reason"),
    [
        ({"title": ""}, "title", "Give the file a title"),
        ({"title": "   "}, "title", "Give the file a title"),
        ({"title": "x" * 301}, "title", "under 300 characters"),
        ({"date": "05/08/2013"}, "date", "YYYY-MM-DD"),
        ({"date": "2013-02-30"}, "date", "YYYY-MM-DD"),
        ({"date": (datetime.now(UTC).date() + timedelta(days=3)).isoformat()}, "date", "in the future"),
    ],
)
def test_details_that_break_a_rule_are_refused_beside_their_field(client, users, fra, fields, field, reason):
    client.login("fra@example.org")
    response = _form(client, "loi.pdf", pdf(), **fields)
    assert response.status_code == 422
    error = re.search(rf'id="evidence-CL-1-{field}-error">(.*?)</p>', response.get_data(as_text=True), re.S)
    assert error and reason in error.group(1)
    assert _count() == 0


def test_no_file_chosen(client, users, fra):
    client.login("fra@example.org")
    fields = {"csrf_token": client.csrf_token(SECTION), "title": "Loi", "file": (io.BytesIO(b""), "")}
    response = client.post(UPLOAD, data=fields, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choose the file to attach." in response.get_data(as_text=True)


def test_a_document_dated_tomorrow_is_accepted_for_time_zones(users, fra):
    tomorrow = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()
    assert attach(users["fra"], fra, document_date=tomorrow).document_date.isoformat() == tomorrow


def test_the_upload_needs_its_csrf_token(client, users, fra):
    client.login("fra@example.org")
    fields = {"file": (io.BytesIO(pdf()), "loi.pdf"), "title": "Loi"}
    assert client.post(UPLOAD, data=fields, content_type="multipart/form-data").status_code == 400
    assert _count() == 0


# ---------------------------------------------------------------------------
# Downloads: the same checks, inert
# ---------------------------------------------------------------------------


def test_a_download_is_an_inert_attachment_of_the_detected_type(client, users, fra):
    info = attach(users["fra"], fra, filename="Décret – 2013.pdf")
    client.login("fra@example.org")
    response = client.get(f"{BASE}/evidence/{info.id}")
    assert response.status_code == 200
    assert response.data == pdf()
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''D%C3%A9cret%20%E2%80%93%202013.pdf" in disposition, "RFC 6266 for the non-ASCII name"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert "ETag" not in response.headers and "Last-Modified" not in response.headers


def test_a_file_stored_from_a_client_claiming_html_is_still_served_as_what_it_is(client, users, fra):
    client.login("fra@example.org")
    fields = {
        "csrf_token": client.csrf_token(SECTION),
        "file": (io.BytesIO(image("PNG")), "x.html", "text/html"),
        "title": "Schéma",
    }
    assert client.post(UPLOAD, data=fields, content_type="multipart/form-data").status_code == 302
    record = db.session.scalar(select(EvidenceFile))
    response = client.get(f"{BASE}/evidence/{record.id}")
    assert response.mimetype == "image/png" and "html" not in response.headers["Content-Type"]
    assert record.filename == "x.html.png"


# ---------------------------------------------------------------------------
# Who sees what
# ---------------------------------------------------------------------------


@pytest.fixture
def two_files(users, fra) -> dict[str, Any]:
    """A shared and an internal file on France's CL-1, then France submits."""
    shared = attach(users["fra"], fra, title="Loi publiée", shared=True)
    internal = attach(users["fra"], fra, title="Note interne du ministère", shared=False)
    return {"shared": shared, "internal": internal}


def test_another_countrys_user_gets_404_for_everything(make_client, users, fra, deu, two_files):
    other = make_client()
    other.login("deu@example.org")
    for file in two_files.values():
        assert other.get(f"{BASE}/evidence/{file.id}").status_code == 404
        token = other.csrf_token("/")
        assert other.post(f"{BASE}/evidence/{file.id}/delete", data={"csrf_token": token}).status_code == 404
    token = other.csrf_token("/")
    upload = other.post(
        UPLOAD,
        data={"csrf_token": token, "file": (io.BytesIO(pdf()), "loi.pdf"), "title": "x"},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 404
    # Germany's own file id under France's address: not found either.
    mine = attach(users["deu"], deu, title="Gesetz")
    assert other.get(f"{BASE}/evidence/{mine.id}").status_code == 404
    assert other.get(f"/cycles/2026/countries/DEU/evidence/{mine.id}").status_code == 200
    assert _count() == 3


def test_the_answer_for_another_countrys_draft_is_the_same_as_for_no_assessment(make_client, users, fra, two_files):
    other = make_client()
    other.login("deu@example.org")
    existing = other.get(f"{BASE}/evidence/{two_files['shared'].id}")
    missing = other.get(f"/cycles/2026/countries/ITA/evidence/{two_files['shared'].id}")
    assert existing.status_code == missing.status_code == 404
    assert existing.get_data(as_text=True).replace("FRA", "ITA") == missing.get_data(as_text=True)


def test_reviewers_see_only_shared_files_and_never_learn_of_internal_ones(make_client, users, fra, two_files):
    reviewer = make_client()
    reviewer.login("reviewer@example.org")
    assert reviewer.get(f"{BASE}/evidence/{two_files['shared'].id}").status_code == 404, "a draft is private"
    services.submit(users["fra"], fra)
    assert reviewer.get(f"{BASE}/evidence/{two_files['shared'].id}").status_code == 200
    internal = reviewer.get(f"{BASE}/evidence/{two_files['internal'].id}")
    nothing = reviewer.get(f"{BASE}/evidence/999999")
    assert internal.status_code == nothing.status_code == 404
    internal_id = f"/evidence/{two_files['internal'].id}"
    assert internal.get_data(as_text=True).replace(internal_id, "/evidence/999999") == nothing.get_data(as_text=True)
    page = reviewer.get(SECTION).get_data(as_text=True)
    assert "Loi publiée" in page
    assert "Note interne" not in page and "internal to the country" not in page
    assert "Evidence files (1)" in page, "the count is of shared files only"
    history = reviewer.get(f"{BASE}/history").get_data(as_text=True)
    assert "Loi publiée" in history and "Note interne" not in history
    # The country's own respondent, on the same (cached) page, sees both.
    own = make_client()
    own.login("fra@example.org")
    page = own.get(SECTION).get_data(as_text=True)
    assert "Note interne du ministère" in page and "internal to the country" in page and "Evidence files (2)" in page
    assert "Note interne" in own.get(f"{BASE}/history").get_data(as_text=True)


def test_reviewers_cannot_attach_or_remove(make_client, users, fra, two_files):
    services.submit(users["fra"], fra)
    reviewer = make_client()
    reviewer.login("reviewer@example.org")
    token = reviewer.csrf_token("/")
    assert (
        reviewer.post(f"{BASE}/evidence/{two_files['shared'].id}/delete", data={"csrf_token": token}).status_code == 403
    )
    assert (
        reviewer.post(f"{BASE}/evidence/{two_files['internal'].id}/delete", data={"csrf_token": token}).status_code
        == 404
    )
    upload = reviewer.post(
        UPLOAD,
        data={"csrf_token": token, "file": (io.BytesIO(pdf()), "loi.pdf"), "title": "x"},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 403
    assert _count() == 2


def test_nothing_changes_once_submitted(client, users, fra, two_files):
    services.submit(users["fra"], fra)
    client.login("fra@example.org")
    token = client.csrf_token("/")
    assert (
        client.post(f"{BASE}/evidence/{two_files['shared'].id}/delete", data={"csrf_token": token}).status_code == 409
    )
    page = client.get(SECTION).get_data(as_text=True)
    assert "Attach a file" not in page and "Remove" not in page
    assert _count() == 2


# ---------------------------------------------------------------------------
# Removing, and the audit trail
# ---------------------------------------------------------------------------


def test_remove_and_the_audit_trail(client, users, fra):
    info = attach(users["fra"], fra, title="Loi publiée", shared=True)
    client.login("fra@example.org")
    page = client.get(SECTION).get_data(as_text=True)
    assert f'id="evidence-delete-{info.id}"' in page
    before = _version(fra)
    response = client.post(f"{BASE}/evidence/{info.id}/delete", data={"csrf_token": client.csrf_token(SECTION)})
    assert response.status_code == 302
    assert _count() == 0
    assert _version(fra) == before + 1
    trail = list(
        db.session.scalars(select(AnswerChange).where(AnswerChange.item_id == "CL-1").order_by(AnswerChange.id))
    )
    added, removed = trail[-2], trail[-1]
    text = f"Loi publiée (loi.pdf, sha256 {info.sha256[:12]}…)"
    assert added.changes == {"evidence": [None, text]} and added.source == "form"
    assert removed.changes == {"evidence": [text, None]} and removed.user_id == users["fra"].id
    assert added.version == removed.version == 1, "the answer's own version, unchanged"
    assert "Loi publiée" not in client.get(SECTION).get_data(as_text=True).split('id="evidence-CL-1"')[1][:2000]


def test_the_section_page_shows_the_upload_form_outside_the_answers_form(client, users, fra):
    client.login("fra@example.org")
    page = client.get(SECTION).get_data(as_text=True)
    section_form = page[page.index('id="section-form"') : page.index("</form>", page.index('id="section-form"'))]
    assert 'form="evidence-form-CL-1"' in section_form, "the fields sit beside the answer…"
    assert "<form" not in section_form.split(">", 1)[1], "…but no form is nested in the section's form"
    upload_form = re.search(r'<form method="post" id="evidence-form-CL-1"[^>]*>', page)
    assert upload_form and 'enctype="multipart/form-data"' in upload_form.group(0)
    assert f'action="{UPLOAD}"' in upload_form.group(0)


# ---------------------------------------------------------------------------
# The service's rules, directly
# ---------------------------------------------------------------------------


def test_an_answer_holds_a_bounded_number_of_files(users, fra, monkeypatch):
    monkeypatch.setattr(evidence, "MAX_FILES_PER_ITEM", 2)
    attach(users["fra"], fra)
    attach(users["fra"], fra)
    with pytest.raises(evidence.EvidenceRefused) as refused:
        attach(users["fra"], fra)
    assert "at most 2 files" in refused.value.errors["file"]


def test_an_unknown_item_is_refused(users, fra):
    with pytest.raises(services.UnknownChecklistItem):
        attach(users["fra"], fra, item="NO-SUCH-ITEM")


def test_the_bytes_are_checked_against_their_hash_when_served(users, fra):
    info = attach(users["fra"], fra)
    record = db.session.get(EvidenceFile, info.id)
    record.content = b"%PDF-1.7 changed behind the platform's back"
    db.session.commit()
    with pytest.raises(services.NotFound):
        evidence.open_file(users["fra"], fra, info.id)


# ---------------------------------------------------------------------------
# Backups, the gap report, the offline workbook
# ---------------------------------------------------------------------------


def test_a_backup_holds_the_files_and_a_restore_gives_them_back_byte_for_byte(
    app,
    database_url,
    empty_database,
    other_app,
    users,
    fra,
    tmp_path,
):
    from questionnaire.backup import backup_to_file, restore

    every_byte = pdf(body=bytes(range(256)) * 64)
    shared = attach(users["fra"], fra, data=every_byte, title="Loi publiée", shared=True)
    internal = attach(users["fra"], fra, data=image("PNG"), filename="note.png", title="Note interne", shared=False)
    rows = {
        r.id: (r.title, r.shared, r.sha256, r.media_type, r.size, bytes(r.content or b""))
        for r in db.session.scalars(select(EvidenceFile))
    }
    path = tmp_path / "instance.jsonl.gz"
    summary = backup_to_file(database_url, path)
    assert summary.rows["evidence_file"] == 2

    target = other_app(empty_database)
    with target.app_context():
        restore(empty_database, path)
        restored = {
            r.id: (r.title, r.shared, r.sha256, r.media_type, r.size, bytes(r.content or b""))
            for r in db.session.scalars(select(EvidenceFile))
        }
        assert restored == rows
        again = services.find_assessment("2026", "FRA")
        fra_user = db.session.scalar(select(User).where(User.email == "fra@example.org"))
        info, data = evidence.open_file(fra_user, again, shared.id)
        assert data == every_byte and info.sha256 == hashlib.sha256(every_byte).hexdigest()
        assert evidence.open_file(fra_user, again, internal.id)[1] == image("PNG")
        db.session.remove()


def test_the_gap_report_lists_shared_files_only_with_their_date_and_hash(make_client, users, fra):
    shared = attach(users["fra"], fra, title="Loi publiée au Journal officiel", shared=True)
    attach(users["fra"], fra, title="Note interne du ministère", shared=False)
    services.submit(users["fra"], fra)
    for email in ("fra@example.org", "reviewer@example.org"):
        client = make_client()
        client.login(email)
        page = client.get(f"{BASE}/report").get_data(as_text=True)
        annex = page[page.index('id="annex-evidence"') :]
        assert "Loi publiée au Journal officiel" in annex
        assert shared.sha256 in annex
        assert "August 5, 2013" in annex
        assert "Note interne" not in page, f"an internal file in the report read by {email}"
        assert "Files the country kept internal are not listed." in annex


def test_the_offline_workbook_lists_each_items_files_by_name_and_still_imports(client, users, fra):
    from openpyxl import load_workbook

    from questionnaire import offline

    attach(users["fra"], fra, title="Loi publiée", filename="loi-2013.pdf", shared=True)
    attach(users["fra"], fra, title="Note interne", filename="note.pdf", shared=False)
    services.submit(users["fra"], fra)

    def notes(data: bytes) -> str:
        book = load_workbook(io.BytesIO(data))
        return " ".join(c.comment.text for ws in book.worksheets for row in ws.iter_rows() for c in row if c.comment)

    own = offline.build_workbook(fra, viewer=users["fra"])
    assert "Loi publiée (loi-2013.pdf)" in notes(own) and "Note interne (note.pdf)" in notes(own)
    reviewers = offline.build_workbook(fra, viewer=users["reviewer"])
    assert "Loi publiée (loi-2013.pdf)" in notes(reviewers) and "Note interne" not in notes(reviewers)
    client.login("reviewer@example.org")
    served = client.get(f"{BASE}/questionnaire.xlsx")
    assert served.status_code == 200 and "Note interne" not in notes(served.data)


def test_a_workbook_with_the_files_noted_imports_as_before(users, fra):
    from questionnaire import offline

    from ..offline.conftest import Book

    attach(users["fra"], fra, title="Loi publiée", shared=True)
    data = Book().edit(offline.build_workbook(fra, viewer=users["fra"]), {("CL-3", "rating"): "Fully implemented"})
    report = offline.import_workbook(users["fra"], fra, data, source="spreadsheet")
    assert report.ok, report.as_dict()
    assert services.answers_of(fra)["CL-3"].rating == "full"
