"""What a file is, decided by its bytes (magic numbers), never by its name or what the client says.

Only the types a ministry's records need are known: PDF, Office documents (OOXML: a zip whose
[Content_Types].xml names the document's main part; legacy Word/Excel/PowerPoint: an OLE compound
file holding the application's stream) and PNG, JPEG, GIF, WebP images. Anything else is None:
an executable renamed report.pdf, a plain zip, an OLE installer (.msi) are all refused.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from typing import IO


@dataclass(frozen=True)
class FileType:
    content_type: str
    extensions: tuple[str, ...]  # the first one is the usual one


PDF = FileType("application/pdf", (".pdf",))
PNG = FileType("image/png", (".png",))
JPEG = FileType("image/jpeg", (".jpg", ".jpeg"))
GIF = FileType("image/gif", (".gif",))
WEBP = FileType("image/webp", (".webp",))
DOCX = FileType("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",))
XLSX = FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",))
PPTX = FileType("application/vnd.openxmlformats-officedocument.presentationml.presentation", (".pptx",))
DOC = FileType("application/msword", (".doc",))
XLS = FileType("application/vnd.ms-excel", (".xls",))
PPT = FileType("application/vnd.ms-powerpoint", (".ppt",))
KNOWN = (PDF, PNG, JPEG, GIF, WEBP, DOCX, XLSX, PPTX, DOC, XLS, PPT)

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# OOXML: the folder of the main part, and the main part's content type in [Content_Types].xml.
_OOXML = (
    (DOCX, "word/", b"wordprocessingml.document.main+xml"),
    (XLSX, "xl/", b"spreadsheetml.sheet.main+xml"),
    (PPTX, "ppt/", b"presentationml.presentation.main+xml"),
)
# OLE: the stream only that application writes (its directory entry's name, UTF-16LE).
_OLE_STREAMS = ((DOC, "WordDocument"), (XLS, "Workbook"), (PPT, "PowerPoint Document"))
_MAX_CONTENT_TYPES_XML = 1024 * 1024  # a zip bomb's [Content_Types].xml is never inflated


def sniff(file: IO[bytes]) -> FileType | None:
    """The file's type from its bytes; `file` is seekable and left at its start."""
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    try:
        if head.startswith(b"%PDF-"):
            return PDF
        if head.startswith(b"\x89PNG\r\n\x1a\n"):
            return PNG
        if head.startswith(b"\xff\xd8\xff"):
            return JPEG
        if head.startswith((b"GIF87a", b"GIF89a")):
            return GIF
        if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
            return WEBP
        if head.startswith(b"PK\x03\x04"):
            return _ooxml(file)
        if head.startswith(_OLE):
            return _ole(file)
        return None
    finally:
        file.seek(0)


def _ooxml(file: IO[bytes]) -> FileType | None:
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
            info = archive.getinfo("[Content_Types].xml") if "[Content_Types].xml" in names else None
            if info is None or info.file_size > _MAX_CONTENT_TYPES_XML:
                return None
            content_types = archive.read(info)
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
        return None
    for kind, folder, main in _OOXML:
        if main in content_types and any(name.startswith(folder) for name in names):
            return kind
    return None


def _ole(file: IO[bytes]) -> FileType | None:
    # The directory sectors may be anywhere in the file: look for the stream names in all of it,
    # chunk by chunk with an overlap so that a name across two chunks is still seen.
    wanted = [(kind, name.encode("utf-16-le")) for kind, name in _OLE_STREAMS]
    overlap = max(len(name) for _, name in wanted)
    tail = b""
    while chunk := file.read(1024 * 1024):
        window = tail + chunk
        for kind, name in wanted:
            if name in window:
                return kind
        tail = window[-overlap:]
    return None


def matches_name(kind: FileType, filename: str) -> bool:
    """A name without an extension, or with one of the type's: a `.pdf` holding a PNG is not.
    Only letters make an extension ("Compte rendu 2026.03.02" has none)."""
    stem, dot, extension = filename.rpartition(".")
    if not dot or not stem or not extension.isascii() or not extension.isalpha() or len(extension) > 5:
        return True
    return f".{extension.lower()}" in kind.extensions
