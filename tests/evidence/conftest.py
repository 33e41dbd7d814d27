"""Evidence files: small real files of every accepted type, and the hostile ones, all made in memory."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from typing import Any

import pytest
from PIL import Image

from questionnaire import services
from questionnaire.models import Assessment

from ..operations.conftest import empty_database, other_app  # noqa: F401  (fixtures: a backup restored)

BASE = "/cycles/2026/countries/FRA"
API = "/api/v1/cycles/2026/countries/fra"


# ---------------------------------------------------------------------------
# Real files of the accepted types
# ---------------------------------------------------------------------------


def pdf(body: bytes = b"", tail: bytes = b"", catalog: bytes = b"") -> bytes:
    """A one-page PDF with a cross-reference table, as a PDF writer makes it (`body` goes inside a stream,
    `catalog` into the document's catalog dictionary, where an /OpenAction goes)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog + b">>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
    ]
    stream = b"BT /F1 12 Tf 20 100 Td (Loi n 2013-711) Tj ET" + body
    objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, content in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + content + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out) + tail


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/{part}" ContentType="{type}"/>'
    "</Types>"
)


def ooxml(kind: str, extra: dict[str, bytes] | None = None, main_type: str | None = None) -> bytes:
    """A minimal Word document (docx) or presentation (pptx), as Office lays out its parts."""
    part, content_type, body = {
        "docx": (
            "word/document.xml",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
            b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            b"<w:body><w:p><w:r><w:t>Loi n\xc2\xb0 2013-711</w:t></w:r></w:p></w:body></w:document>",
        ),
        "pptx": (
            "ppt/presentation.xml",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
            b'<p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"/>',
        ),
    }[kind]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES.format(part=part, type=main_type or content_type))
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            f'officeDocument" Target="{part}"/></Relationships>',
        )
        archive.writestr(part, body)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def xlsx() -> bytes:
    """A real workbook, written by openpyxl."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active["A1"] = "Victims identified, 2024"
    workbook.active["B1"] = 412
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def odf(media_type: str = "application/vnd.oasis.opendocument.text", extra: dict[str, bytes] | None = None) -> bytes:
    """An OpenDocument file: `mimetype` first and stored, then its content and manifest."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), media_type, compress_type=zipfile.ZIP_STORED)
        archive.writestr(
            "content.xml",
            '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
            'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
            'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>'
            "<text:p>Plan national 2024-2027</text:p></office:text></office:body></office:document-content>",
            compress_type=zipfile.ZIP_DEFLATED,
        )
        archive.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0"?><manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>',
            compress_type=zipfile.ZIP_DEFLATED,
        )
        for name, data in (extra or {}).items():
            archive.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def image(fmt: str, size: tuple[int, int] = (8, 6)) -> bytes:
    """A small real image (PNG, JPEG, GIF or WEBP), drawn by Pillow."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (12, 79, 138)).save(buffer, format=fmt)
    return buffer.getvalue()


ACCEPTED: dict[str, tuple[str, bytes, str]] = {}


def accepted_files() -> dict[str, tuple[str, bytes, str]]:
    """Each accepted type: (file name, bytes, the media type the platform must find)."""
    if not ACCEPTED:
        ACCEPTED.update(
            {
                "pdf": ("loi-2013-711.pdf", pdf(), "application/pdf"),
                "docx": (
                    "decret.docx",
                    ooxml("docx"),
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                ),
                "xlsx": (
                    "statistiques.xlsx",
                    xlsx(),
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ),
                "pptx": (
                    "formation.pptx",
                    ooxml("pptx"),
                    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                ),
                "odt": ("plan.odt", odf(), "application/vnd.oasis.opendocument.text"),
                "ods": (
                    "donnees.ods",
                    odf("application/vnd.oasis.opendocument.spreadsheet"),
                    "application/vnd.oasis.opendocument.spreadsheet",
                ),
                "png": ("schema.png", image("PNG"), "image/png"),
                "jpeg": ("photo.jpg", image("JPEG"), "image/jpeg"),
                "gif": ("affiche.gif", image("GIF"), "image/gif"),
                "webp": ("affiche.webp", image("WEBP"), "image/webp"),
            }
        )
    return ACCEPTED


# ---------------------------------------------------------------------------
# Hostile files
# ---------------------------------------------------------------------------


def raw_zip(entries: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """Write a ZIP archive by hand: (name, deflated data, declared size, CRC, method) per entry, in order.

    zipfile would inflate nothing here, so an entry can declare gigabytes from a few kilobytes of data.
    """
    out = bytearray()
    directory = bytearray()
    for name, data, size, crc, method in entries:
        encoded = name.encode("utf-8")
        offset = len(out)
        out += struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, method, 0, 0, crc, len(data), size, len(encoded), 0)
        out += encoded + data
        directory += struct.pack(
            "<4sHHHHHHIIIHHHHHII",
            b"PK\x01\x02",
            20,
            20,
            0,
            method,
            0,
            0,
            crc,
            len(data),
            size,
            len(encoded),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        directory += encoded
    start = len(out)
    out += directory
    out += struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(directory), start, 0)
    return bytes(out)


def zip_bomb(entries: int = 8, megabytes: int = 256) -> bytes:
    """A ".docx" whose parts inflate to gigabytes of zeros from a few megabytes: a real ZIP bomb."""
    size = megabytes * 1024 * 1024
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = bytes(1024 * 1024)
    deflated = b"".join(compressor.compress(chunk) for _ in range(megabytes)) + compressor.flush()
    crc = 0
    for _ in range(megabytes):
        crc = zlib.crc32(chunk, crc)
    types = _CONTENT_TYPES.format(
        part="word/document.xml",
        type="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    ).encode()
    parts = [("[Content_Types].xml", types, len(types), zlib.crc32(types), 0)]
    parts += [(f"word/media/image{n}.png", deflated, size, crc, 8) for n in range(entries)]
    parts.append(("word/document.xml", b"<w:document/>", 13, zlib.crc32(b"<w:document/>"), 0))
    return raw_zip(parts)


def lying_zip() -> bytes:
    """A ".docx" whose directory declares a 3 GB part stored in a few bytes."""
    types = _CONTENT_TYPES.format(
        part="word/document.xml",
        type="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    ).encode()
    return raw_zip(
        [
            ("[Content_Types].xml", types, len(types), zlib.crc32(types), 0),
            ("word/document.xml", b"\x03\x00", 3_000_000_000, 0, 8),
        ]
    )


HTML_PAGE = (
    b"<!DOCTYPE html><html><body><script>fetch('/api/v1/cycles').then(r=>r.text()).then(alert)</script></body></html>"
)
SVG_SCRIPT = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.cookie)</script></svg>"
)


def gifar() -> bytes:
    """A GIF with a ZIP archive behind it: an image and an archive at once."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.class", b"\xca\xfe\xba\xbe")
    return image("GIF") + buffer.getvalue()


# ---------------------------------------------------------------------------
# The world
# ---------------------------------------------------------------------------


@pytest.fixture
def fra(users: dict[str, Any], cycle: Any) -> Assessment:
    """France's 2026 draft, CL-1 answered."""
    found, _ = services.start_assessment(users["fra"], cycle, "FRA")
    services.save_answers(users["fra"], found, [services.Edit("CL-1", services.make_input(rating="largely"), 0)])
    return found


@pytest.fixture
def deu(users: dict[str, Any], cycle: Any) -> Assessment:
    """Germany's 2026 draft."""
    found, _ = services.start_assessment(users["deu"], cycle, "DEU")
    return found


def attach(user: Any, assessment: Assessment, item: str = "CL-1", shared: bool = True, **kwargs: Any) -> Any:
    """Attach a small real PDF through the service (the form's channel)."""
    from questionnaire.services import evidence

    values: dict[str, Any] = {
        "data": pdf(),
        "filename": "loi.pdf",
        "title": "Loi n° 2013-711",
        "document_date": "2013-08-05",
        "shared": shared,
    }
    values.update(kwargs)
    return evidence.attach(user, assessment, item, **values)
