"""A file's type comes from its bytes: the allowed ones are known, everything else is None."""

import io
import zipfile

import pytest

from services.kit import file_types


def ooxml(main: str, folder: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            f'<Types><Override PartName="/{folder}x.xml" '
            f'ContentType="application/vnd.openxmlformats-officedocument.{main}"/></Types>',
        )
        archive.writestr(f"{folder}x.xml", "<x/>")
    return buffer.getvalue()


def ole(stream: str, *, at: int = 500) -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * at + stream.encode("utf-16-le") + b"\x00" * 100


PDF = b"%PDF-1.7\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (PDF, file_types.PDF),
        (PNG, file_types.PNG),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", file_types.JPEG),
        (b"GIF87a\x01\x00", file_types.GIF),
        (b"GIF89a\x01\x00", file_types.GIF),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", file_types.WEBP),
        (ooxml("wordprocessingml.document.main+xml", "word/"), file_types.DOCX),
        (ooxml("spreadsheetml.sheet.main+xml", "xl/"), file_types.XLSX),
        (ooxml("presentationml.presentation.main+xml", "ppt/"), file_types.PPTX),
        (ole("WordDocument"), file_types.DOC),
        (ole("Workbook"), file_types.XLS),
        (ole("PowerPoint Document"), file_types.PPT),
        # The stream's name across the boundary of two of the chunks it is read in.
        (ole("WordDocument", at=1024 * 1024 - 8 - 5), file_types.DOC),
    ],
)
def test_each_allowed_type_is_known_by_its_bytes(content, kind):
    file = io.BytesIO(content)
    assert file_types.sniff(file) == kind
    assert file.tell() == 0


@pytest.mark.parametrize(
    "content",
    [
        b"MZ\x90\x00\x03\x00" + b"\x00" * 100,  # a Windows executable
        b"\x7fELF\x02\x01\x01",
        b"<html><script>alert(1)</script></html>",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",  # an image that runs scripts
        b"",
        b"PK\x03\x04broken zip",
        ooxml("other+xml", "other/"),  # a zip that is no Office document
        ooxml("wordprocessingml.document.main+xml", "xl/"),  # its main part's folder missing
        ole("SummaryInformation"),  # an OLE file no Office application wrote (an .msi installer)
        b"RIFF\x24\x00\x00\x00WAVEfmt ",  # RIFF, but sound
    ],
)
def test_anything_else_is_unknown(content):
    assert file_types.sniff(io.BytesIO(content)) is None


@pytest.mark.parametrize(
    ("kind", "name", "matches"),
    [
        (file_types.PDF, "accord.pdf", True),
        (file_types.PDF, "ACCORD.PDF", True),
        (file_types.JPEG, "photo.jpg", True),
        (file_types.JPEG, "photo.jpeg", True),
        (file_types.PNG, "accord.pdf", False),
        (file_types.PDF, "accord.exe", False),
        (file_types.PDF, "accord", True),
        (file_types.PDF, "Compte rendu 2026.03.02", True),
        (file_types.PDF, ".pdf", True),
    ],
)
def test_a_name_matches_its_type_or_has_no_extension(kind, name, matches):
    assert file_types.matches_name(kind, name) is matches
