"""Hostile or unusable files are refused with a clear message, and nothing changes."""

from __future__ import annotations

import io
import struct
import zipfile
from typing import Any

import pytest

from questionnaire import offline
from questionnaire.views.common import status_of

from .conftest import VICTIMS


def _rezip(
    data: bytes,
    replace: dict[str, bytes] | None = None,
    add: dict[str, bytes] | None = None,
    drop: tuple[str, ...] = (),
) -> bytes:
    """Rebuild an .xlsx with some parts replaced, added or removed."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            if info.filename in drop:
                continue
            body = (replace or {}).get(info.filename, source.read(info.filename))
            target.writestr(info.filename, body)
        for name, body in (add or {}).items():
            target.writestr(name, body)
    return out.getvalue()


def _sheet_part(data: bytes, sheet: str) -> str:
    """Return the ZIP path of a worksheet by its name (sheets are written in order)."""
    wb = offline.load_workbook(io.BytesIO(data), read_only=True)
    index = wb.sheetnames.index(sheet) + 1
    wb.close()
    return f"xl/worksheets/sheet{index}.xml"


def _refused(user: Any, assessment: Any, data: bytes, state: Any) -> offline.WorkbookRefused:
    before = state(assessment.id)
    with pytest.raises(offline.WorkbookRefused) as caught:
        offline.import_workbook(user, assessment, data)
    assert state(assessment.id) == before
    return caught.value


def test_a_pdf_renamed_xlsx_is_refused(assessment, users, state) -> None:
    refused = _refused(users["fra"], assessment, b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n", state)
    assert refused.message.startswith("The file is a PDF document, not an Excel workbook (.xlsx)")
    assert status_of(refused) == 422 and not isinstance(refused, offline.WorkbookTooLarge)


def test_a_text_file_renamed_xlsx_is_refused(assessment, users, state) -> None:
    refused = _refused(users["fra"], assessment, b"item;rating\nCL-1;full\n", state)
    assert refused.message.startswith("The file is not an Excel workbook (.xlsx)")


def test_an_empty_file_is_refused(assessment, users, state) -> None:
    assert _refused(users["fra"], assessment, b"", state).message == "The file is empty."


def test_a_damaged_zip_is_refused(assessment, users, book, state) -> None:
    data = book.download(assessment)
    refused = _refused(users["fra"], assessment, data[: len(data) // 2], state)
    assert "The file is damaged" in refused.message


def test_an_encrypted_workbook_is_refused(assessment, users, state) -> None:
    """Excel saves a password-protected .xlsx as an OLE compound file (CFB), not a ZIP."""
    cfb = bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 504 + "EncryptedPackage".encode("utf-16-le")
    refused = _refused(users["fra"], assessment, cfb, state)
    assert "password-protected (encrypted)" in refused.message


def test_zip_level_encryption_is_refused(assessment, users, book, state) -> None:
    data = bytearray(book.download(assessment))
    # Set the "encrypted" flag on every entry, in the local headers and the central directory.
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (found := data.find(signature, start)) != -1:
            flags = struct.unpack_from("<H", data, found + offset)[0]
            struct.pack_into("<H", data, found + offset, flags | 0x1)
            start = found + 4
    refused = _refused(users["fra"], assessment, bytes(data), state)
    assert refused.message.startswith("The file is encrypted")


def test_a_macro_enabled_workbook_is_refused(assessment, users, book, state) -> None:
    data = book.download(assessment)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        types = archive.read("[Content_Types].xml").decode()
    types = types.replace(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    )
    refused = _refused(
        users["fra"],
        assessment,
        _rezip(data, replace={"[Content_Types].xml": types.encode()}),
        state,
    )
    assert "contains macros (a macro-enabled workbook, .xlsm)" in refused.message


def test_a_workbook_carrying_a_vba_project_is_refused(assessment, users, book, state) -> None:
    data = _rezip(book.download(assessment), add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"\x00" * 100})
    refused = _refused(users["fra"], assessment, data, state)
    assert "contains macros" in refused.message


def test_a_zip_bomb_is_refused_before_it_is_opened(assessment, users, book, state, monkeypatch) -> None:
    data = book.download(assessment)
    bomb = _rezip(data, add={"xl/media/padding.xml": b" " * (30 * 1024 * 1024)})
    assert len(bomb) < 200_000  # 30 MB squeezed into a few dozen kB
    opened: list[Any] = []
    monkeypatch.setattr(offline, "load_workbook", lambda *a, **k: opened.append(a))
    refused = _refused(users["fra"], assessment, bomb, state)
    assert "would expand to far more data than a questionnaire holds" in refused.message
    assert opened == []


def test_a_highly_compressed_part_is_refused(assessment, users, book, state) -> None:
    """Under the size caps, but compressed over 100 to 1: not a questionnaire."""
    data = book.download(assessment)
    part = _sheet_part(data, VICTIMS)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read(part)
    padded = xml.replace(b"</worksheet>", b"<!--" + b"a" * (3 * 1024 * 1024) + b"--></worksheet>")
    refused = _refused(users["fra"], assessment, _rezip(data, replace={part: padded}), state)
    assert "ZIP bomb" in refused.message


def test_a_part_lying_about_its_size_is_never_expanded_beyond_it(assessment, users, book, state) -> None:
    """A central directory declaring tiny sizes cannot make the reader inflate more than that."""
    data = book.download(assessment)
    part = _sheet_part(data, VICTIMS)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read(part)
    big = xml.replace(
        b"</sheetData>",
        b"".join(
            b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>x</t></is></c></row>' % (n, n) for n in range(20, 200_000)
        )
        + b"</sheetData>",
    )
    forged = bytearray(_rezip(data, replace={part: big}))
    name = part.encode()
    for signature, size_offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (found := forged.find(signature, start)) != -1:
            name_offset = 30 if signature == b"PK\x03\x04" else 46
            if forged[found + name_offset : found + name_offset + len(name)] == name:
                struct.pack_into("<I", forged, found + size_offset, len(xml))
            start = found + 4
    refused = _refused(users["fra"], assessment, bytes(forged), state)
    assert "damaged" in refused.message


def test_an_entity_expansion_bomb_is_refused(assessment, users, book, state) -> None:
    data = book.download(assessment)
    part = _sheet_part(data, VICTIMS)
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    )
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read(part)
    xml = laughs + xml.split(b"?>", 1)[-1] if xml.startswith(b"<?xml") else laughs + xml
    xml = xml.replace(b"Train labour inspectors.", b"&lol3;")
    refused = _refused(users["fra"], assessment, _rezip(data, replace={part: xml}), state)
    assert (
        refused.message == "The file contains XML constructs that are not allowed (entity declarations). It was "
        "not read."
    )


def test_a_sheet_claiming_a_million_rows_is_refused(assessment, users, book, state) -> None:
    data = book.download(assessment)
    part = _sheet_part(data, VICTIMS)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read(part).decode()
    import re

    xml = re.sub(r'<dimension ref="[^"]+"\s*/>', '<dimension ref="A1:L1048576"/>', xml)
    xml = xml.replace(
        "</sheetData>",
        '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>',
    )
    refused = _refused(users["fra"], assessment, _rezip(data, replace={part: xml.encode()}), state)
    assert refused.message == (
        f"The sheet “{VICTIMS}” has 1,048,576 rows; a questionnaire sheet has at most 500. It was not read."
    )


def test_a_sheet_of_a_million_rows_without_dimension_stops_at_the_limit(assessment, users, book, state) -> None:
    data = book.download(assessment)
    part = _sheet_part(data, VICTIMS)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read(part).decode()
    import re

    xml = re.sub(r'<dimension ref="[^"]+"\s*/>', "", xml)
    xml = xml.replace(
        "</sheetData>",
        '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>',
    )
    refused = _refused(users["fra"], assessment, _rezip(data, replace={part: xml.encode()}), state)
    assert (
        refused.message == f"The sheet “{VICTIMS}” has more than 500 rows; a questionnaire sheet has at most 500. It "
        "was not read."
    )


def test_a_real_million_row_sheet_is_refused_before_it_is_read(assessment, users, book, state) -> None:
    data = book.download(assessment)
    part = _sheet_part(data, VICTIMS)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read(part).decode()
    rows = "".join(f'<row r="{n}"><c r="K{n}"><v>1</v></c></row>' for n in range(20, 1_000_020))
    xml = xml.replace("</sheetData>", rows + "</sheetData>")
    refused = _refused(users["fra"], assessment, _rezip(data, replace={part: xml.encode()}), state)
    assert "would expand to far more data than a questionnaire holds" in refused.message


def test_a_file_over_the_limit_is_refused_with_413(assessment, users, state) -> None:
    import os

    refused = _refused(users["fra"], assessment, b"PK\x03\x04" + os.urandom(6 * 1024 * 1024), state)
    assert isinstance(refused, offline.WorkbookTooLarge) and status_of(refused) == 413
    assert refused.message.startswith("The file is 6 MB; the platform accepts questionnaires of up to 5 MB.")


def test_an_opendocument_spreadsheet_is_refused_with_advice(assessment, users, state) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    refused = _refused(users["fra"], assessment, out.getvalue(), state)
    assert "OpenDocument spreadsheet (.ods). Save it as an Excel workbook (.xlsx)" in refused.message


WORD_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


def test_a_word_document_is_refused(assessment, users, state) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Override PartName="/word/document.xml" ContentType="' + WORD_TYPE + '"/></Types>',
        )
        archive.writestr("word/document.xml", "<w:document/>")
    refused = _refused(users["fra"], assessment, out.getvalue(), state)
    assert refused.message.startswith("The file is not an Excel workbook (.xlsx)")


def test_a_workbook_not_made_by_the_platform_is_refused(assessment, users, book, state) -> None:
    wb = offline.Workbook()
    wb.active["A1"] = "CL-1"
    wb.active["D1"] = "Fully implemented"
    refused = _refused(users["fra"], assessment, book.save(wb), state)
    assert refused.message.startswith("This workbook is not a questionnaire downloaded from the platform")


def test_a_workbook_with_too_many_parts_is_refused(assessment, users, book, state) -> None:
    data = _rezip(book.download(assessment), add={f"xl/media/image{n}.png": b"x" for n in range(600)})
    refused = _refused(users["fra"], assessment, data, state)
    assert "holds 617 parts" in refused.message
