"""The ITF (Interleaved 2 of 5) image: what a scanner reads back is the barcode's 44 digits."""

from __future__ import annotations

import re
import struct
import zlib
from itertools import groupby

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apps.finance.services.boleto import BarcodeInvalid, itf_png, itf_svg, itf_widths

BARCODE = "00193376900000135000000001238798977770016818"
PATTERNS = {
    "nnwwn": "0",
    "wnnnw": "1",
    "nwnnw": "2",
    "wwnnn": "3",
    "nnwnw": "4",
    "wnwnn": "5",
    "nwwnn": "6",
    "nnnww": "7",
    "wnnwn": "8",
    "nwnwn": "9",
}


def decode_widths(widths: list[int]) -> str:
    """A minimal ITF reader: start and stop guards, then five bars and five spaces per pair."""
    narrow = min(widths)
    kinds = "".join("n" if width == narrow else "w" for width in widths)
    assert kinds[:4] == "nnnn", "start guard"
    assert kinds[-3:] == "wnn", "stop guard"
    body = kinds[4:-3]
    digits = []
    for start in range(0, len(body), 10):
        pair = body[start : start + 10]
        digits.append(PATTERNS[pair[0::2]] + PATTERNS[pair[1::2]])
    return "".join(digits)


def png_first_row_runs(png: bytes) -> tuple[int, int, list[int]]:
    """(width, height, run lengths of the first pixel row without the quiet zones)."""
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    position, idat, width, height = 8, b"", 0, 0
    while position < len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        kind = png[position + 4 : position + 8]
        data = png[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", png[position + 8 + length : position + 12 + length])
        assert crc == zlib.crc32(kind + data) & 0xFFFFFFFF
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", data[:10])
            assert (depth, colour) == (1, 0)
        elif kind == b"IDAT":
            idat += data
        position += 12 + length
    raw = zlib.decompress(idat)
    stride = 1 + (width + 7) // 8
    assert len(raw) == stride * height
    row = raw[1:stride]
    bits = [(byte >> (7 - bit)) & 1 for byte in row for bit in range(8)][:width]
    runs = [(value, len(list(group))) for value, group in groupby(bits)]
    assert runs[0][0] == 1  # white quiet zones
    assert runs[-1][0] == 1
    return width, height, [length for _, length in runs[1:-1]]


def test_the_png_scans_back_to_the_barcode() -> None:
    width, height, runs = png_first_row_runs(itf_png(BARCODE, module_px=3, height_px=40))

    assert height == 40
    assert width == (405 + 40) * 3  # 405 modules and two 20-module quiet zones
    assert decode_widths(runs) == BARCODE


def test_the_svg_has_febraban_size_and_its_bars_scan_back() -> None:
    svg = itf_svg(BARCODE)

    assert 'width="113.030mm"' in svg  # 103 mm of symbol + two 5.08 mm quiet zones
    assert 'height="13.000mm"' in svg
    bars = [(int(x), int(w)) for x, w in re.findall(r'<rect x="(\d+)" y="0" width="(\d+)"', svg)]
    widths: list[int] = []
    for (x, bar), (next_x, _) in zip(bars, [*bars[1:], (None, None)], strict=True):
        widths.append(bar)
        if next_x is not None:
            widths.append(next_x - x - bar)
    assert decode_widths(widths) == BARCODE


def test_a_boleto_barcode_is_405_modules() -> None:
    assert sum(itf_widths(BARCODE)) == 405


@pytest.mark.parametrize("digits", ["123", "12a4", "1", ""])
def test_an_odd_or_non_numeric_input_is_refused(digits: str) -> None:
    with pytest.raises(BarcodeInvalid) as refusal:
        itf_widths(digits)
    assert refusal.value.code == "boleto_barcode_invalid"


@given(st.from_regex(r"([0-9]{2}){1,30}", fullmatch=True), st.integers(2, 4))
def test_any_even_digit_string_round_trips_through_the_png(digits: str, wide: int) -> None:
    _, _, runs = png_first_row_runs(itf_png(digits, module_px=1, height_px=1, wide=wide))

    assert decode_widths(runs) == digits
