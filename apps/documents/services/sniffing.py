"""What a file really is, read from its first bytes (a small magic-byte table, pure Python).

Only the types an administradora keeps (scans and PDFs) are allowed. The declared content type
and the filename's extension, when given, must agree with the bytes: a ``.pdf`` holding a PNG
or an ``image/png`` holding a PDF is refused, so a file is always served as what it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Final


@dataclass(frozen=True)
class FileType:
    """An allowed type: its MIME type, canonical extension and accepted aliases."""

    mime: str
    extension: str
    extensions: frozenset[str]
    mime_aliases: frozenset[str]
    label: str


PDF: Final = FileType(
    "application/pdf", "pdf", frozenset({"pdf"}), frozenset({"application/x-pdf"}), "PDF"
)
PNG: Final = FileType("image/png", "png", frozenset({"png"}), frozenset(), "PNG")
JPEG: Final = FileType(
    "image/jpeg",
    "jpg",
    frozenset({"jpg", "jpeg", "jpe", "jfif"}),
    frozenset({"image/jpg", "image/pjpeg"}),
    "JPEG",
)
WEBP: Final = FileType("image/webp", "webp", frozenset({"webp"}), frozenset(), "WEBP")
TIFF: Final = FileType("image/tiff", "tif", frozenset({"tif", "tiff"}), frozenset(), "TIFF")

ALLOWED_TYPES: Final[tuple[FileType, ...]] = (PDF, PNG, JPEG, WEBP, TIFF)

# Declared types that say nothing (what browsers send for an unknown file).
_UNINFORMATIVE_MIME: Final = frozenset({"", "application/octet-stream", "binary/octet-stream"})

# Extensions of types we know but refuse, to tell "not allowed" from "mismatch".
_KNOWN_EXTENSIONS: Final = frozenset(ext for kind in ALLOWED_TYPES for ext in kind.extensions)


def sniff(content: bytes) -> FileType | None:
    """The allowed type the bytes are, or ``None`` (unknown or not allowed)."""
    if content.startswith(b"%PDF-"):
        return PDF
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if content.startswith(b"\xff\xd8\xff"):
        return JPEG
    if len(content) >= 12 and content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return WEBP
    if content.startswith((b"II*\x00", b"MM\x00*")):
        return TIFF
    return None


def type_for_extension(filename: str) -> FileType | None:
    """The allowed type the filename's extension names, or ``None``."""
    extension = extension_of(filename)
    for kind in ALLOWED_TYPES:
        if extension in kind.extensions:
            return kind
    return None


def type_for_mime(mime: str) -> FileType | None:
    """The allowed type a declared MIME type names, or ``None``."""
    clean = mime.split(";", 1)[0].strip().lower()
    for kind in ALLOWED_TYPES:
        if clean == kind.mime or clean in kind.mime_aliases:
            return kind
    return None


def extension_of(filename: str) -> str:
    """The filename's extension, lower case, without the dot (``""`` when none)."""
    return PurePosixPath(filename.replace("\\", "/")).suffix.lstrip(".").lower()


def is_uninformative(mime: str | None) -> bool:
    """Whether a declared type says nothing about the file (absent or octet-stream)."""
    return mime is None or mime.split(";", 1)[0].strip().lower() in _UNINFORMATIVE_MIME


def allowed_labels() -> str:
    """``"PDF, PNG, JPEG, WEBP ou TIFF"``: the allowed types as staff read them."""
    labels = [kind.label for kind in ALLOWED_TYPES]
    return ", ".join(labels[:-1]) + " ou " + labels[-1]


def has_known_extension(filename: str) -> bool:
    """Whether the extension names one of the allowed types."""
    return extension_of(filename) in _KNOWN_EXTENSIONS
