"""Evidence files attached to answers: checked, stored, listed, served and removed.

A file is attached to one answer (an assessment's item) with a title, the
document's date and whether it is shared with the reviewers or internal to the
country.  Every way in (the section page, the API) goes through `attach`, so the
rules are the same (docs/evidence.md):

- **Size**: at most `EVIDENCE_MAX_BYTES` (default 20 MiB); an empty file is refused.
- **Type, from the bytes, never from the name**: PDF; Word, Excel and PowerPoint
  (.docx, .xlsx, .pptx); OpenDocument text, spreadsheet and presentation (.odt,
  .ods, .odp); PNG, JPEG, GIF and WebP images.  `puremagic` names what the bytes
  look like; each accepted type is then checked strictly here (where its
  signature must start, where it must end, what its archive holds).
- **Nothing active, no disguise**: a file holding HTML, SVG or script markup
  anywhere is refused whatever its name; so is a "polyglot", a file that is
  two things at once (a PDF or image that is also a ZIP archive, a PDF with
  bytes before its header or more than 1 KiB after its last end marker, an
  office archive with bytes before its first entry or after its directory, or
  a PDF header in its first KiB); a PDF naming JavaScript or a launch action;
  an office document with macros; an encrypted archive.
- **ZIP-based documents are inspected, never extracted**: the directory's
  declared sizes, entry count and compression ratios are bounded (a "ZIP
  bomb" is refused without inflating it), entries may not overlap, and only
  the small part naming the format (`[Content_Types].xml`, or ODF's
  `mimetype`) is read, through a bounded read.

Files are stored through a storage backend: the database by default (the
`content` column), so every application server sees them and backups hold
them.  Reviewers and admins see only shared files, and only of assessments
submitted to them; internal files are not even counted for them.  Attaching
and removing are recorded in the answer's audit trail and move the
assessment's version on, so cached section pages show the change.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

import puremagic
from defusedxml import ElementTree as SafeET
from flask import current_app
from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError
from sqlalchemy import func, select

from ..catalogue_store import catalogue_for
from ..db import db
from ..i18n import format_number
from ..models import Answer, AnswerChange, Assessment, EvidenceFile, User, utcnow
from .access import EDITABLE, assigned_items, can_view, can_view_item, find_assessment, in_team, require_edit
from .answers import bump_version, clean_text
from .errors import InvalidAnswer, InvalidTransition, NotFound, UnknownChecklistItem

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
MAX_TITLE = 300
MAX_FILENAME = 255
MAX_FILES_PER_ITEM = 50
FUTURE_DAYS = 1  # a document may be dated at most this many days after today (UTC): time zones

# ZIP-based documents: what their directory may declare.
MAX_ZIP_ENTRIES = 5000
MAX_ZIP_ENTRY_BYTES = 512 * 1024 * 1024
MAX_ZIP_TOTAL_BYTES = 1024 * 1024 * 1024
MAX_ZIP_RATIO = 200  # uncompressed / compressed, for entries over ZIP_RATIO_FLOOR
ZIP_RATIO_FLOOR = 1024 * 1024
MAX_PART_BYTES = 1024 * 1024  # the format-naming part read ([Content_Types].xml, mimetype)
MAX_IMAGE_PIXELS = 200_000_000  # width × height declared by an image's header
TAIL = 1024  # the end marker of a PDF must be in its last KiB

# Evidence changes in the audit trail: shared files under "evidence", internal ones under
# "evidence_internal", which only the country's own team is shown.
TRAIL_SHARED = "evidence"
TRAIL_INTERNAL = "evidence_internal"


# --------------------------------------------------------------------------
# Failures
# --------------------------------------------------------------------------


class EvidenceRefused(InvalidAnswer):
    """A file or its details break a rule; `errors` maps each field (file, title, date, shared) to why."""


class EvidenceTooLarge(EvidenceRefused):
    """The file is larger than the platform keeps."""


# --------------------------------------------------------------------------
# The accepted types
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """A type of file the platform accepts."""

    media_type: str
    extensions: tuple[str, ...]  # the first is the one a download is named with

    @property
    def extension(self) -> str:
        return self.extensions[0]


PDF = Kind("application/pdf", (".pdf",))
DOCX = Kind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx", ".dotx"))
XLSX = Kind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx", ".xltx"))
PPTX = Kind("application/vnd.openxmlformats-officedocument.presentationml.presentation", (".pptx", ".potx", ".ppsx"))
ODT = Kind("application/vnd.oasis.opendocument.text", (".odt",))
ODS = Kind("application/vnd.oasis.opendocument.spreadsheet", (".ods",))
ODP = Kind("application/vnd.oasis.opendocument.presentation", (".odp",))
PNG = Kind("image/png", (".png",))
JPEG = Kind("image/jpeg", (".jpg", ".jpeg", ".jpe", ".jfif"))
GIF = Kind("image/gif", (".gif",))
WEBP = Kind("image/webp", (".webp",))
KINDS = (PDF, DOCX, XLSX, PPTX, ODT, ODS, ODP, PNG, JPEG, GIF, WEBP)
MEDIA_TYPES = tuple(k.media_type for k in KINDS)
KIND_OF = {k.media_type: k for k in KINDS}
#: What a file chooser is told to offer (the check itself never trusts a name).
ACCEPT = ",".join(e for k in KINDS for e in k.extensions)

_OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": (DOCX, "word/"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml": (DOCX, "word/"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": (XLSX, "xl/"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml": (XLSX, "xl/"),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": (PPTX, "ppt/"),
    "application/vnd.openxmlformats-officedocument.presentationml.template.main+xml": (PPTX, "ppt/"),
    "application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml": (PPTX, "ppt/"),
}
_ODF = {ODT.media_type: ODT, ODS.media_type: ODS, ODP.media_type: ODP}

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"
_ZIP_LOCAL = b"PK\x03\x04"
_ZIP_END = b"PK\x05\x06"
_CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Markup a browser would run or render: an element name right after "<" (a namespaced XML element
# such as <w:body> or <meta:generator> does not match).  Names of four letters or more are looked
# for in the whole file; the shortest ones (<svg, <img) only in its first and last KiB, where
# sniffers look, since a compressed stream holds any three letters by chance now and then.
_MARKUP = re.compile(
    rb"<\s*(?:!doctype\s+html|html|head|body|script|iframe|frame|frameset|object|embed|applet|"
    rb"style|meta|link|base|form|math|template|\?xml-stylesheet)[\s/>]",
    re.IGNORECASE,
)
_MARKUP_EDGES = re.compile(rb"<\s*(?:svg|img)[\s/>]", re.IGNORECASE)
# PDF names of active content: JavaScript and launching programs (names may hide letters as #xx),
# looked for in the objects, outside the streams (whose compressed bytes hold anything by chance).
_PDF_STREAM = re.compile(rb"stream\r?\n.*?endstream", re.DOTALL)
_PDF_NAME = re.compile(rb"/(?:[JL]|#[0-9A-Fa-f]{2})[A-Za-z0-9#]{0,15}")
_PDF_ACTIVE = {b"JavaScript", b"JS", b"Launch"}


def _refuse(message: str, field_name: str = "file") -> EvidenceRefused:
    return EvidenceRefused(message, errors={field_name: message})


def _accepted_list() -> str:
    return _(
        "Accepted: PDF; Word, Excel or PowerPoint (.docx, .xlsx, .pptx); OpenDocument (.odt, .ods, .odp); "
        "PNG, JPEG, GIF or WebP images."
    )


def max_bytes() -> int:
    """Return the largest file accepted (EVIDENCE_MAX_BYTES, default 20 MiB)."""
    return int(current_app.config.get("EVIDENCE_MAX_BYTES") or DEFAULT_MAX_BYTES)


def megabytes(size: int) -> str:
    """Write a size in MB as the reader's language does (one decimal when not whole)."""
    value = round(size / (1024 * 1024), 1)
    return format_number(value, 0 if value == int(value) else 1)


def too_large_message(size: int | None = None) -> str:
    """Say that a file is too large, with the limit (and its size when known)."""
    if size is None:
        return _("The file is larger than %(limit)s MB, the most the platform keeps.", limit=megabytes(max_bytes()))
    return _(
        "The file is %(size)s MB; the platform keeps files of up to %(limit)s MB.",
        size=megabytes(size),
        limit=megabytes(max_bytes()),
    )


def detect(data: bytes) -> Kind:
    """Return the accepted type of a file from its bytes, or raise EvidenceRefused saying why not."""
    if not data:
        raise _refuse(_("The file is empty."))
    if _MARKUP.search(data) or _MARKUP_EDGES.search(data[:TAIL]) or _MARKUP_EDGES.search(data[-TAIL:]):
        raise _refuse(
            _(
                "The file contains web page or script code (HTML, SVG or JavaScript), which is never accepted, "
                "whatever the file is called."
            )
        )
    try:
        found = puremagic.magic_string(data)
    except (puremagic.PureError, ValueError):
        found = []
    seen = {m.mime_type for m in found}
    if data.startswith(b"%PDF-") and "application/pdf" in seen:
        _check_pdf(data)
        return _not_also_a_zip(data, PDF)
    if data.startswith(_PNG_SIGNATURE) and "image/png" in seen:
        if not data.endswith(_PNG_END):
            raise _polyglot()
        return _not_also_a_zip(data, _check_image(data, PNG, "PNG"))
    if data.startswith(b"\xff\xd8\xff") and "image/jpeg" in seen:
        return _not_also_a_zip(data, _check_image(data, JPEG, "JPEG"))
    if data[:6] in (b"GIF87a", b"GIF89a") and "image/gif" in seen:
        if not data.rstrip(b"\x00").endswith(b";"):
            raise _polyglot()
        return _not_also_a_zip(data, _check_image(data, GIF, "GIF"))
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and "image/webp" in seen:
        declared = struct.unpack("<I", data[4:8])[0] + 8
        if len(data) not in (declared, declared + 1):
            raise _polyglot()
        return _not_also_a_zip(data, _check_image(data, WEBP, "WEBP"))
    if data.startswith(_ZIP_LOCAL):
        return _inspect_archive(data)
    if data.startswith(_CFB):
        raise _refuse(
            _(
                "The file is in an old Office 97–2003 format (.doc, .xls, .ppt), which can carry macros. "
                "Save it as .docx, .xlsx, .pptx or PDF and attach it again."
            )
        )
    if b"%PDF-" in data[:TAIL]:
        raise _polyglot()
    if found and found[0].extension:
        raise _refuse(
            _(
                "The file appears to be of type %(ext)s, which is not accepted. %(accepted)s",
                ext=found[0].extension.lstrip("."),
                accepted=_accepted_list(),
            )
        )
    raise _refuse(_("The type of the file could not be recognised. %(accepted)s", accepted=_accepted_list()))


def _polyglot() -> EvidenceRefused:
    return _refuse(
        _(
            "The file is disguised: it holds data before its start or after its end, or it is two kinds of "
            "file at once. Save it again from the program that made it and attach the new file."
        )
    )


def _not_also_a_zip(data: bytes, kind: Kind) -> Kind:
    """Refuse a PDF or image that is also a readable ZIP archive (such as a GIF with a JAR behind it)."""
    if zipfile.is_zipfile(io.BytesIO(data)):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if archive.namelist():
                    raise _polyglot()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, NotImplementedError):
            pass
    return kind


def _check_pdf(data: bytes) -> None:
    if b"%%EOF" not in data[-TAIL:]:
        raise _polyglot()
    for match in set(_PDF_NAME.findall(_PDF_STREAM.sub(b" ", data))):
        name = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), match[1:])
        if name in _PDF_ACTIVE:
            raise _refuse(
                _(
                    "The PDF contains JavaScript or an action that starts a program, which is not accepted. "
                    "Print it to a new PDF and attach that."
                )
            )


def _check_image(data: bytes, kind: Kind, pillow_format: str) -> Kind:
    """Read an image's header (never its pixels): its format must be the one found and its size sane."""
    damaged = _refuse(_("The image is damaged: it cannot be read. Save it again and attach the new file."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[pillow_format]) as image:
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise _refuse(
                        _(
                            "The image is %(w)d × %(h)d pixels, more than the platform accepts. "
                            "Make it smaller and attach it again.",
                            w=width,
                            h=height,
                        )
                    )
                if kind is PNG:
                    image.verify()  # the chunks' checksums, without decoding the pixels
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise _refuse(_("The image declares more pixels than the platform accepts.")) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, struct.error):
        raise damaged from None
    return kind


def _zip_bomb() -> EvidenceRefused:
    return _refuse(
        _(
            "The file would expand to far more data than a document holds (a compressed “ZIP bomb”), or its "
            "parts overlap. It was not opened."
        )
    )


def _check_layout(data: bytes, entries: Sequence[zipfile.ZipInfo]) -> None:
    """Entries start at the file's first byte, follow each other without overlapping, and the
    directory's end record closes the file: nothing hides before, between or after them."""
    end = data.rfind(_ZIP_END, max(0, len(data) - 65_557))
    if end < 0 or end + 22 > len(data):
        raise _polyglot()
    comment = struct.unpack("<H", data[end + 20 : end + 22])[0]
    if end + 22 + comment != len(data):
        raise _polyglot()
    previous_end = 0
    for entry in sorted(entries, key=lambda e: e.header_offset):
        start = entry.header_offset
        if start < previous_end or start + 30 > len(data) or data[start : start + 4] != _ZIP_LOCAL:
            raise _zip_bomb() if start < previous_end else _polyglot()
        if start > previous_end:
            raise _polyglot()  # bytes between parts (or before the first)
        name_length, extra_length = struct.unpack("<HH", data[start + 26 : start + 30])
        previous_end = start + 30 + name_length + extra_length + entry.compress_size
        if entry.flag_bits & 0x08:  # a data descriptor follows the data: 12 or 16 bytes (with its signature)
            previous_end += 16 if data[previous_end : previous_end + 4] == b"PK\x07\x08" else 12
        if previous_end > end:
            raise _zip_bomb()
    directory_size, directory_start = struct.unpack("<II", data[end + 12 : end + 20])
    if directory_start != 0xFFFFFFFF and (directory_start != previous_end or directory_start + directory_size != end):
        raise _polyglot()  # bytes between the last part and the directory


def _read_part(archive: zipfile.ZipFile, name: str) -> bytes:
    """Read one small part of an archive, inflating no more than MAX_PART_BYTES."""
    with archive.open(name) as part:
        content = part.read(MAX_PART_BYTES + 1)
    if len(content) > MAX_PART_BYTES:
        raise _zip_bomb()
    return content


def _macros() -> EvidenceRefused:
    return _refuse(
        _("The document contains macros, which are not accepted. Save it without macros (.docx, .xlsx, .pptx).")
    )


def _inspect_archive(data: bytes) -> Kind:
    """Tell an office document (OOXML or OpenDocument) from any other ZIP archive, without extracting it."""
    damaged = _refuse(_("The file is damaged: it cannot be read as a document. Save it again and attach it."))
    if b"%PDF-" in data[:TAIL]:
        raise _polyglot()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, NotImplementedError):
        raise damaged from None
    with archive:
        if not entries or len(entries) > MAX_ZIP_ENTRIES:
            raise _zip_bomb() if entries else damaged
        total = 0
        for entry in entries:
            if entry.flag_bits & 0x1:
                raise _refuse(_("The document is encrypted. Remove its password and attach it again."))
            if entry.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise damaged
            total += entry.file_size
            ratio = entry.file_size / entry.compress_size if entry.compress_size else float("inf")
            if (
                entry.file_size > MAX_ZIP_ENTRY_BYTES
                or total > MAX_ZIP_TOTAL_BYTES
                or (entry.file_size > ZIP_RATIO_FLOOR and ratio > MAX_ZIP_RATIO)
            ):
                raise _zip_bomb()
        names = [e.filename for e in entries]
        if len(set(names)) != len(names):
            raise _polyglot()  # two parts of one name: readers disagree on which counts
        _check_layout(data, entries)
        lowered = [n.lower() for n in names]
        try:
            if entries[0].filename == "mimetype":
                return _inspect_odf(archive, entries[0], lowered)
            if "[Content_Types].xml" in names:
                return _inspect_ooxml(archive, lowered)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, NotImplementedError):
            raise damaged from None
    raise _refuse(
        _(
            "The file is a ZIP archive, not a document. Attach the documents themselves. %(accepted)s",
            accepted=_accepted_list(),
        )
    )


def _inspect_odf(archive: zipfile.ZipFile, first: zipfile.ZipInfo, lowered: list[str]) -> Kind:
    if first.compress_type != zipfile.ZIP_STORED:
        raise _polyglot()
    declared = _read_part(archive, "mimetype").decode("ascii", "replace").strip()
    kind = _ODF.get(declared)
    if kind is None or "content.xml" not in lowered:
        raise _refuse(
            _(
                "The file is an OpenDocument file of a kind that is not accepted. %(accepted)s",
                accepted=_accepted_list(),
            )
        )
    if any(n.startswith(("basic/", "scripts/")) for n in lowered):
        raise _macros()
    return kind


def _inspect_ooxml(archive: zipfile.ZipFile, lowered: list[str]) -> Kind:
    try:
        types = SafeET.fromstring(_read_part(archive, "[Content_Types].xml"))
    except EvidenceRefused:
        raise
    except Exception:  # defusedxml's refusals and malformed XML alike
        raise _refuse(_("The file is damaged: it cannot be read as a document. Save it again and attach it.")) from None
    declared = [(el.get("ContentType") or "").strip() for el in types.iter() if el.get("ContentType")]
    if any("macroenabled" in t.lower() or "vbaproject" in t.lower() for t in declared) or any(
        n.endswith("vbaproject.bin") for n in lowered
    ):
        raise _macros()
    for content_type in declared:
        found = _OOXML_MAIN.get(content_type)
        if found is not None and any(n.startswith(found[1]) for n in lowered):
            return found[0]
    raise _refuse(
        _(
            "The file is an Office file of a kind that is not accepted (not a document, workbook or "
            "presentation). %(accepted)s",
            accepted=_accepted_list(),
        )
    )


# --------------------------------------------------------------------------
# Names, titles, dates
# --------------------------------------------------------------------------


def display_name(filename: str | None, kind: Kind) -> str:
    """Return the name a file is shown and downloaded under: the original's last part, without control
    or direction-changing characters, ending in an extension of its real type."""
    text = unicodedata.normalize("NFC", filename or "")
    text = re.split(r"[/\\]", text)[-1]
    text = "".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"))
    text = " ".join(text.split()).strip(" .")
    stem, dot, extension = text.rpartition(".")
    if not dot:
        stem, extension = text, ""
    if "." + extension.lower() in kind.extensions and stem:
        suffix = "." + extension.lower()
    else:
        stem, suffix = text, kind.extension
    stem = stem.strip(" .") or "evidence"
    return stem[: MAX_FILENAME - len(suffix)].rstrip(" .") + suffix


def parse_date(value: str | date | None) -> tuple[date | None, str | None]:
    """Read a document date (YYYY-MM-DD, optional): the date, or why it is refused."""
    if value is None or isinstance(value, date):
        found = value
    else:
        text = clean_text(value)
        if not text:
            return None, None
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                raise ValueError(text)
            found = date.fromisoformat(text)
        except ValueError:
            return None, _("Give the document's date as YYYY-MM-DD, for example 2024-03-31.")
    if found is not None and found > datetime.now(UTC).date() + timedelta(days=FUTURE_DAYS):
        return None, _("The document's date is in the future.")
    return found, None


def parse_shared(value: Any) -> tuple[bool, str | None]:
    """Read whether a file is shared with the reviewers (true or false; absent: false), or why it is refused."""
    if value is None or isinstance(value, bool):
        return bool(value), None
    text = str(value).strip().lower()
    if text in ("true", "false"):
        return text == "true", None
    return False, _("Say true or false: whether the file is shared with the reviewers.")


# --------------------------------------------------------------------------
# Storage
# --------------------------------------------------------------------------


class Storage(Protocol):
    """Where the bytes of evidence files live.  Rows always hold the metadata and the hash."""

    name: str

    def save(self, record: EvidenceFile, data: bytes) -> None:
        """Keep the bytes of a new record (before it is committed)."""

    def load(self, record: EvidenceFile) -> bytes:
        """Return the bytes of a record."""

    def discard(self, record: EvidenceFile) -> None:
        """Forget the bytes of a record that was removed (after the removal is committed)."""


class DatabaseStorage:
    """The bytes in the row itself (`content`): seen by every server, in every backup."""

    name = "db"

    def save(self, record: EvidenceFile, data: bytes) -> None:
        record.storage = self.name
        record.storage_key = ""
        record.content = data

    def load(self, record: EvidenceFile) -> bytes:
        content = db.session.scalar(select(EvidenceFile.content).where(EvidenceFile.id == record.id))
        return bytes(content or b"")

    def discard(self, record: EvidenceFile) -> None:
        """Nothing to do: the bytes went with the row."""


_BACKENDS: dict[str, Storage] = {"db": DatabaseStorage()}


def storage() -> Storage:
    """Return the backend new files go to (EVIDENCE_STORAGE; only "db" is built)."""
    return _BACKENDS["db"]


def _backend_of(record: EvidenceFile) -> Storage:
    backend = _BACKENDS.get(record.storage)
    if backend is None:
        raise NotFound(_("The file's content is not available on this server."))
    return backend


# --------------------------------------------------------------------------
# What pages and the API show
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class FileInfo:
    """An evidence file as pages and the API list it (never its bytes)."""

    id: int
    item: str
    title: str
    document_date: date | None
    shared: bool
    filename: str
    media_type: str
    size: int
    sha256: str
    uploaded_by: str | None
    uploaded_at: datetime

    @classmethod
    def of(cls, record: EvidenceFile) -> FileInfo:
        return cls(
            id=record.id,
            item=record.item_id,
            title=record.title,
            document_date=record.document_date,
            shared=bool(record.shared),
            filename=record.filename,
            media_type=record.media_type,
            size=record.size,
            sha256=record.sha256,
            uploaded_by=record.uploaded_by.email if record.uploaded_by is not None else None,
            uploaded_at=record.uploaded_at,
        )

    @property
    def size_text(self) -> str:
        """The size in kB or MB, as the reader's language writes numbers."""
        if self.size < 1024 * 1024:
            return _("%(n)s kB", n=format_number(max(1, round(self.size / 1024)), 0))
        return _("%(n)s MB", n=megabytes(self.size))


@dataclass(frozen=True)
class Attempt:
    """An upload refused on a page: the item, each field's message, and what was typed (to show it again)."""

    item: str
    errors: dict[str, str]
    title: str = ""
    document_date: str = ""
    shared: bool = False


@dataclass(frozen=True)
class Panel:
    """What a section page shows of evidence files: each item's files and whether files may change."""

    files: dict[str, list[FileInfo]] = field(default_factory=dict)
    editable: bool = False
    max_mb: str = ""
    accept: str = ACCEPT
    attempt: Attempt | None = None


def _visible(user: User | None, assessment: Assessment) -> Any:
    """The condition on rows a user may see of an assessment's files (None: the operator sees all)."""
    if user is None or in_team(user, assessment):
        return EvidenceFile.assessment_id == assessment.id
    return (EvidenceFile.assessment_id == assessment.id) & EvidenceFile.shared.is_(True)


def shared_only(user: User | None, assessment: Assessment) -> bool:
    """Tell whether the user sees only the files shared with the reviewers."""
    return user is not None and not in_team(user, assessment)


def files_by_item(
    user: User | None, assessment: Assessment, items: Iterable[str] | None = None
) -> dict[str, list[FileInfo]]:
    """Return the files of an assessment (or of some items) the user may see, by item, oldest first.

    `user` None is the operator (the offline workbook made from the command line, backups): all files.
    """
    query = select(EvidenceFile).where(_visible(user, assessment))
    if items is not None:
        query = query.where(EvidenceFile.item_id.in_(list(items)))
    found: dict[str, list[FileInfo]] = {}
    for record in db.session.scalars(query.order_by(EvidenceFile.uploaded_at, EvidenceFile.id)):
        found.setdefault(record.item_id, []).append(FileInfo.of(record))
    return found


def shared_by_item(assessment: Assessment) -> dict[str, list[FileInfo]]:
    """Return the files shared with the reviewers, by item (what a gap report lists, whoever reads it)."""
    query = select(EvidenceFile).where(EvidenceFile.assessment_id == assessment.id, EvidenceFile.shared.is_(True))
    found: dict[str, list[FileInfo]] = {}
    for record in db.session.scalars(query.order_by(EvidenceFile.uploaded_at, EvidenceFile.id)):
        found.setdefault(record.item_id, []).append(FileInfo.of(record))
    return found


def section_panel(
    user: User, assessment: Assessment, items: Sequence[str], editable: bool, attempt: Attempt | None = None
) -> Panel:
    """Return the evidence a section page shows for `items` (those the page shows the user)."""
    return Panel(
        files=files_by_item(user, assessment, items),
        editable=editable,
        max_mb=megabytes(max_bytes()),
        attempt=attempt,
    )


def assessment_for(user: User, cycle_code: str, iso3: str) -> Assessment:
    """Return an assessment the user may see some of (a contributor: items assigned to them); NotFound otherwise,
    alike for a draft of another country and for no assessment at all."""
    assessment = find_assessment(cycle_code, iso3)
    if assessment is None or not (can_view(user, assessment) or assigned_items(user, assessment)):
        raise NotFound(_("No such assessment."))
    return assessment


def _item_or_refuse(assessment: Assessment, item: str) -> str:
    if item not in catalogue_for(assessment.cycle).item_by_id:
        raise UnknownChecklistItem(
            _("There is no checklist item '%(item)s' in this cycle's questionnaire.", item=item), item=item
        )
    return item


def list_files(user: User, assessment: Assessment, item: str) -> list[FileInfo]:
    """Return one answer's files the user may see (NotFound if they may not see the item)."""
    if not can_view_item(user, assessment, item):
        raise NotFound(_("No such assessment."))
    _item_or_refuse(assessment, item)
    return files_by_item(user, assessment, [item]).get(item, [])


def _record(user: User, assessment: Assessment, file_id: int, item: str | None = None) -> EvidenceFile:
    """Return a file of the assessment the user may see; NotFound for anything else (another
    assessment's file, an internal file for a reviewer, a file of an item not theirs)."""
    record = db.session.scalar(select(EvidenceFile).where(EvidenceFile.id == file_id, _visible(user, assessment)))
    if record is None or (item is not None and record.item_id != item):
        raise NotFound(_("There is no such file."))
    if not can_view_item(user, assessment, record.item_id):
        raise NotFound(_("There is no such file."))
    return record


def get_file(user: User, assessment: Assessment, file_id: int, item: str | None = None) -> FileInfo:
    """Return one file's details, if the user may see it."""
    return FileInfo.of(_record(user, assessment, file_id, item))


def open_file(user: User, assessment: Assessment, file_id: int, item: str | None = None) -> tuple[FileInfo, bytes]:
    """Return one file's details and bytes, if the user may see it; the bytes are checked against the hash."""
    record = _record(user, assessment, file_id, item)
    data = _backend_of(record).load(record)
    if hashlib.sha256(data).hexdigest() != record.sha256:
        raise NotFound(_("The file's content is not available on this server."))
    return FileInfo.of(record), data


# --------------------------------------------------------------------------
# Attaching and removing
# --------------------------------------------------------------------------


def _trail_text(record: EvidenceFile) -> str:
    return f"{record.title} ({record.filename}, sha256 {record.sha256[:12]}…)"


def _record_change(
    user: User, assessment: Assessment, record: EvidenceFile, before: Any, after: Any, source: str
) -> None:
    """Write the change in the answer's audit trail and move the assessment's version on."""
    now = utcnow()
    answer_version = db.session.scalar(
        select(Answer.version).where(Answer.assessment_id == assessment.id, Answer.item_id == record.item_id)
    )
    key = TRAIL_SHARED if record.shared else TRAIL_INTERNAL
    db.session.add(
        AnswerChange(
            assessment_id=assessment.id,
            item_id=record.item_id,
            version=int(answer_version or 0),
            user_id=user.id,
            at=now,
            source=source,
            changes={key: [before, after]},
        )
    )
    if not bump_version(assessment, now, only_from=EDITABLE):
        db.session.rollback()
        raise InvalidTransition(_("The assessment was submitted meanwhile; nothing was changed."))


def attach(
    user: User,
    assessment: Assessment,
    item: str,
    *,
    data: bytes | None,
    filename: str | None,
    title: Any,
    document_date: Any = None,
    shared: Any = None,
    source: str = "form",
) -> FileInfo:
    """Check a file and its details and attach it to the item's answer, or raise saying what is wrong.

    Nothing is stored unless everything is right: EvidenceRefused (or EvidenceTooLarge) names each
    field at fault; the permission failures are those of saving an answer.
    """
    require_edit(user, assessment, [item])
    _item_or_refuse(assessment, item)
    errors: dict[str, str] = {}
    clean_title = clean_text(title)
    if not clean_title:
        errors["title"] = _("Give the file a title, such as the name of the law or report.")
    elif len(clean_title) > MAX_TITLE:
        errors["title"] = _("Keep the title under %(max)d characters.", max=MAX_TITLE)
    when, problem = parse_date(document_date)
    if problem:
        errors["date"] = problem
    is_shared, problem = parse_shared(shared)
    if problem:
        errors["shared"] = problem
    kind: Kind | None = None
    too_large = False
    if data is None:
        errors["file"] = _("Choose the file to attach.")
    elif len(data) > max_bytes():
        errors["file"] = too_large_message(len(data))
        too_large = True
    else:
        try:
            kind = detect(data)
        except EvidenceRefused as refused:
            errors["file"] = refused.errors["file"]
    count = db.session.scalar(
        select(func.count())
        .select_from(EvidenceFile)
        .where(EvidenceFile.assessment_id == assessment.id, EvidenceFile.item_id == item)
    )
    if not errors and int(count or 0) >= MAX_FILES_PER_ITEM:
        errors["file"] = _("An answer holds at most %(max)d files; remove one first.", max=MAX_FILES_PER_ITEM)
    if errors or kind is None or data is None:
        message = _("The file was not attached: %(reason)s", reason=" ".join(errors.values()))
        raise (EvidenceTooLarge if too_large else EvidenceRefused)(message, errors=errors, item=item)

    record = EvidenceFile(
        assessment_id=assessment.id,
        item_id=item,
        title=clean_title,
        document_date=when,
        shared=is_shared,
        filename=display_name(filename, kind),
        media_type=kind.media_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by_id=user.id,
        uploaded_at=utcnow(),
    )
    storage().save(record, data)
    db.session.add(record)
    db.session.flush()
    _record_change(user, assessment, record, None, _trail_text(record), source)
    db.session.commit()
    return FileInfo.of(record)


def remove(user: User, assessment: Assessment, file_id: int, item: str | None = None, source: str = "form") -> FileInfo:
    """Remove a file from its answer (the country's editors, while answers may change)."""
    record = _record(user, assessment, file_id, item)
    require_edit(user, assessment, [record.item_id])
    info = FileInfo.of(record)
    backend = _backend_of(record)
    _record_change(user, assessment, record, _trail_text(record), None, source)
    db.session.delete(record)
    db.session.commit()
    backend.discard(record)
    return info


def visible_changes(user: User, assessment: Assessment, changes: Sequence[AnswerChange]) -> list[AnswerChange]:
    """Drop from an audit trail the changes of internal files, for anyone outside the country's team."""
    if in_team(user, assessment):
        return list(changes)
    return [c for c in changes if TRAIL_INTERNAL not in (c.changes or {})]
