"""The boleto barcode image: Interleaved 2 of 5 (ITF), as SVG or PNG, in pure Python.

ITF encodes digits in pairs: the first digit of a pair in the widths of five bars, the second
in the five spaces between them; each digit has two wide and three narrow elements. A start
pattern (narrow bar, space, bar, space) and a stop pattern (wide bar, narrow space, narrow
bar) frame the symbol. With a wide element three modules wide, a 44-digit boleto barcode is
405 modules; FEBRABAN's 103 mm x 13 mm symbol is therefore a module of 0.254 mm, the SVG's
default size. The PNG is a 1-bit greyscale image written with ``zlib`` (no imaging library).
"""

from __future__ import annotations

import struct
import zlib

from apps.finance.services.boleto.barcode import is_digits
from apps.finance.services.boleto.errors import BarcodeInvalid

__all__ = ["itf_png", "itf_svg", "itf_widths"]

# n = narrow, w = wide; FEBRABAN / ISO/IEC 16390 digit patterns.
_PATTERNS = {
    "0": "nnwwn",
    "1": "wnnnw",
    "2": "nwnnw",
    "3": "wwnnn",
    "4": "nnwnw",
    "5": "wnwnn",
    "6": "nwwnn",
    "7": "nnnww",
    "8": "wnnwn",
    "9": "nwnwn",
}
_QUIET_ZONE = 20  # modules each side (about 5 mm at the default module)


def itf_widths(digits: str, *, wide: int = 3) -> list[int]:
    """Element widths in modules, alternating bar and space and starting with a bar."""
    if not is_digits(digits) or len(digits) % 2:
        raise BarcodeInvalid(
            "O código Intercalado 2 de 5 exige um número par de dígitos.",
            extra={"length": len(digits)},
        )
    if wide < 2:
        raise BarcodeInvalid("O elemento largo deve ter pelo menos 2 módulos.")
    widths = [1, 1, 1, 1]
    for index in range(0, len(digits), 2):
        bars, spaces = _PATTERNS[digits[index]], _PATTERNS[digits[index + 1]]
        for bar, space in zip(bars, spaces, strict=True):
            widths.extend((wide if bar == "w" else 1, wide if space == "w" else 1))
    widths.extend((wide, 1, 1))
    return widths


def itf_svg(
    digits: str, *, module_mm: float = 0.254, height_mm: float = 13.0, wide: int = 3
) -> str:
    """An SVG of the ITF symbol (bars as black rectangles, quiet zones included)."""
    widths = itf_widths(digits, wide=wide)
    total = sum(widths) + 2 * _QUIET_ZONE
    rects: list[str] = []
    x = _QUIET_ZONE
    for index, width in enumerate(widths):
        if index % 2 == 0:
            rects.append(f'<rect x="{x}" y="0" width="{width}" height="1"/>')
        x += width
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" '
        f'width="{total * module_mm:.3f}mm" height="{height_mm:.3f}mm" '
        f'viewBox="0 0 {total} 1" preserveAspectRatio="none" shape-rendering="crispEdges" '
        f'role="img" aria-label="Código de barras {digits}">'
        f'<rect width="{total}" height="1" fill="#fff"/><g fill="#000">{"".join(rects)}</g>'
        "</svg>"
    )


def itf_png(digits: str, *, module_px: int = 2, height_px: int = 80, wide: int = 3) -> bytes:
    """A 1-bit PNG of the ITF symbol, ``module_px`` pixels per module, quiet zones included."""
    if module_px < 1 or height_px < 1:
        raise BarcodeInvalid("As dimensões da imagem devem ser positivas.")
    pixels: list[int] = [1] * (_QUIET_ZONE * module_px)  # 1 = white, 0 = black
    for index, width in enumerate(itf_widths(digits, wide=wide)):
        pixels.extend([0 if index % 2 == 0 else 1] * (width * module_px))
    pixels.extend([1] * (_QUIET_ZONE * module_px))
    row = bytearray()
    for start in range(0, len(pixels), 8):
        chunk = pixels[start : start + 8]
        chunk += [1] * (8 - len(chunk))
        row.append(int("".join(map(str, chunk)), 2))
    scanline = b"\x00" + bytes(row)  # filter type 0 (none)
    header = struct.pack(">IIBBBBB", len(pixels), height_px, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(scanline * height_px, 9))
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )
