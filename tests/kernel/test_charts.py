"""The bar chart component: geometry computed in Python, rendered as inline SVG in Portuguese."""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string
from hypothesis import given
from hypothesis import strategies as st

from consorcio.charts import BAR_AREA, LABEL_WIDTH, ChartRow, bar_chart, format_int, format_percent


def test_numbers_are_written_the_brazilian_way():
    assert format_int(1234567) == "1.234.567"
    assert format_int(80) == "80"
    assert format_percent(1, 8) == "12,5%"
    assert format_percent(1, 2500) == "0,0%"
    assert format_percent(0, 0) == "0,0%"


@given(st.lists(st.lists(st.integers(0, 10**6), min_size=3, max_size=3), min_size=1, max_size=8))
def test_stacked_segments_sit_end_to_end_and_the_largest_bar_fills_the_area(rows):
    chart = bar_chart(
        chart_id="c", title="T", series=("A", "B", "C"), rows=[ChartRow("x", r) for r in rows]
    )
    largest = max(sum(r) for r in rows)
    for bar in chart.bars:
        x = float(LABEL_WIDTH)
        for segment in bar.segments:
            assert float(segment.x) == pytest.approx(x, abs=0.01)
            x += float(segment.width)
        if largest and bar.total == largest:
            assert x == pytest.approx(LABEL_WIDTH + BAR_AREA, abs=0.05)


def test_a_row_must_have_one_value_per_series():
    with pytest.raises(ValueError, match="one value per series"):
        bar_chart(chart_id="c", title="T", series=("A", "B"), rows=[ChartRow("x", [1])])


def test_the_component_renders_an_accessible_svg_with_unlocalised_coordinates():
    chart = bar_chart(
        chart_id="cotas",
        title="Cotas por grupo",
        series=("Vendidas", "Livres"),
        rows=[ChartRow("G1", [1, 2]), ChartRow("G2", [1234, 0], note="1.234 de 1.234")],
    )

    html = render_to_string("components/bar_chart.html", {"chart": chart})

    assert 'role="img" aria-labelledby="cotas-title cotas-desc"' in html
    assert '<desc id="cotas-desc">Cotas por grupo. G1: Vendidas 1, Livres 2; ' in html
    assert "G2: Vendidas 1.234, Livres 0." in html
    assert "<title>G2 \u2013 Vendidas: 1.234</title>" in html
    assert ">1.234 de 1.234</text>" in html
    drawn = " ".join(re.findall(r"<(?:rect|text)[^>]*>", html))
    for value in re.findall(r'\s(?:x|y|width|height)="([^"]*)"', drawn):
        assert re.fullmatch(r"\d+(\.\d+)?", value), value  # a float rendered as 12,5 breaks SVG
    assert '<td class="num">1.234</td>' in html


def test_an_empty_chart_says_so_instead_of_drawing():
    chart = bar_chart(chart_id="c", title="T", series=("A",), rows=[], empty_text="Nada ainda.")
    html = render_to_string("components/bar_chart.html", {"chart": chart})
    assert "<svg" not in html
    assert "Nada ainda." in html
