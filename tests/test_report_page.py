"""The self-contained report page: escaping, offline assets, tables, cards, and
what a real headless Chromium renders from it."""

from __future__ import annotations

import re
import struct
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from plotly.offline import get_plotlyjs

import tests.browser_support as browser_support
from clustering.report.page import Card, ReportPage
from tests.browser_support import BrowserUnavailableError, check_in_browser

HOSTILE = "<script>alert('x')</script> & \"quoted\""
ESCAPED = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;quoted&quot;"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class _TableReader(HTMLParser):
    """Rows of every <tbody>: (row class, [(cell class, cell text), ...])."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[str, list[tuple[str, str]]]] = []
        self.headers: list[str] = []
        self._in_body = False
        self._cell: list[str] | None = None
        self._cell_class = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        css = dict(attrs).get("class") or ""
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows.append((css, []))
        elif tag in ("td", "th"):
            self._cell, self._cell_class = [], css

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self._in_body = False
        elif tag in ("td", "th") and self._cell is not None:
            text = "".join(self._cell)
            if self._in_body:
                self.rows[-1][1].append((self._cell_class, text))
            else:
                self.headers.append(text)
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def read_tables(page: ReportPage) -> _TableReader:
    reader = _TableReader()
    reader.feed(page.to_html())
    return reader


def three_figures() -> list[go.Figure]:
    rng = np.random.default_rng(3)
    bar = go.Figure(go.Bar(x=["Loyal", "At risk", "New"], y=[1200, 640, 2100]))
    heatmap = go.Figure(
        go.Heatmap(z=rng.normal(size=(3, 5)), x=list("abcde"), y=["Loyal", "At risk", "New"])
    )
    scatter = go.Figure(go.Scatter(x=rng.random(50), y=rng.random(50), mode="markers"))
    return [bar, heatmap, scatter]


def segment_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "segment": ["Loyal", "At risk", None],
            "count_customers": [12345, 678, 9],
            "avg_spend_brl": [123.456, 7.0, np.nan],
            "share": [0.5, 0.3, 0.2],
            "is_largest": [True, False, False],
            "first_order_date": pd.to_datetime(["2017-01-05", "2018-02-03", None]),
        }
    )


def full_page() -> ReportPage:
    page = ReportPage("Customer segments", "Synthetic Olist data")
    page.add_heading("Overview")
    page.add_paragraph("Three segments.")
    page.add_note("Sizes are customers with a purchase.")
    for caption, fig in zip(["Size", "Profile", "Spread"], three_figures(), strict=True):
        page.add_figure(fig, caption=caption)
    page.add_heading("Segments table")
    page.add_table(segment_table(), caption="One row per segment", highlight="is_largest")
    page.add_heading("Segment cards")
    page.add_cards(
        [
            Card("Loyal", "buy often", [("Customers", "12,345")], ["Reward them."], "#2f6fb0"),
            Card("At risk", "fading", [("Customers", "678")], ["Win them back."], "#d64545"),
        ]
    )
    return page


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    return struct.unpack(">II", header[16:24])


# --- the HTML itself ---------------------------------------------------------------------


def test_every_piece_of_user_text_is_escaped():
    page = ReportPage(HOSTILE, subtitle=HOSTILE)
    page.add_heading(HOSTILE)
    page.add_paragraph(HOSTILE)
    page.add_note(HOSTILE)
    page.add_table(pd.DataFrame({HOSTILE: [HOSTILE]}), caption=HOSTILE)
    page.add_cards([Card(HOSTILE, HOSTILE, [(HOSTILE, HOSTILE)], [HOSTILE])])
    page.add_figure(go.Figure(go.Bar(x=[HOSTILE], y=[1])), caption=HOSTILE)
    html = page.to_html().replace(get_plotlyjs(), "")

    assert HOSTILE not in html
    assert "alert('x')</script>" not in html
    # title, h1, subtitle, heading, TOC link, paragraph, note, caption, header,
    # cell, card title, subtitle, fact label, fact value, paragraph, figure caption
    assert html.count(ESCAPED) == 16


def test_plotly_js_is_inlined_exactly_once_and_each_figure_has_a_stable_div():
    page = ReportPage("Figures")
    ids = [page.add_figure(fig) for fig in three_figures()]
    html = page.to_html()

    assert ids == ["figure-1", "figure-2", "figure-3"]
    assert html.count(get_plotlyjs()) == 1
    assert html.index(get_plotlyjs()) < html.index("</head>")
    for div_id in ids:
        assert html.count(f'id="{div_id}"') == 1
    assert html.count("Plotly.newPlot(") == 3
    assert ReportPage("Figures").to_html() == ReportPage("Figures").to_html()


def test_a_page_without_figures_carries_no_plotly_js():
    page = ReportPage("Text only")
    page.add_paragraph("No charts here.")
    html = page.to_html()

    assert "<script" not in html
    assert len(html) < 20_000


def test_the_page_loads_nothing_from_elsewhere():
    html = full_page().to_html()
    own_markup = html.replace(get_plotlyjs(), "")

    assert not re.search(r"<script[^>]*\bsrc\s*=", html, re.IGNORECASE)
    assert not re.search(r"<link\b", html, re.IGNORECASE)
    # plotly.js itself holds addresses for features these figures never use
    # (map tiles, the logo link that the page's config turns off).
    assert not re.search(r"\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//", own_markup, re.IGNORECASE)
    assert "@import" not in own_markup and "url(" not in own_markup
    assert "http://" not in own_markup and "https://" not in own_markup
    assert "mathjax" not in own_markup.lower()


def test_table_numbers_are_formatted_for_reading():
    page = ReportPage("Table")
    page.add_table(segment_table(), formats={"share": "{:.0%}"})
    tables = read_tables(page)

    assert tables.headers == [
        "segment",
        "count_customers",
        "avg_spend_brl",
        "share",
        "is_largest",
        "first_order_date",
    ]
    rows = [[text for _, text in cells] for _, cells in tables.rows]
    assert rows == [
        ["Loyal", "12,345", "123.46", "50%", "yes", "2017-01-05"],
        ["At risk", "678", "7.00", "30%", "no", "2018-02-03"],
        ["\u2013", "9", "\u2013", "20%", "no", "\u2013"],
    ]
    # Number columns are right-aligned, a missing number included; text is not.
    classes = [[css for css, _ in cells] for _, cells in tables.rows]
    assert classes[2] == ["", "num", "num", "num", "", ""]


def test_table_float_format_can_be_a_function_and_the_index_can_be_shown():
    page = ReportPage("Table")
    frame = segment_table().set_index("segment")[["avg_spend_brl"]]
    page.add_table(frame, float_format=lambda value: f"R$ {value:,.0f}", index=True)
    tables = read_tables(page)

    assert tables.headers == ["segment", "avg_spend_brl"]
    assert [[text for _, text in cells] for _, cells in tables.rows] == [
        ["Loyal", "R$ 123"],
        ["At risk", "R$ 7"],
        ["\u2013", "\u2013"],
    ]


def test_table_rows_are_highlighted_by_a_boolean_column_or_by_index():
    by_column = ReportPage("Table")
    by_column.add_table(segment_table(), highlight="is_largest")
    tables = read_tables(by_column)
    assert "is_largest" not in tables.headers
    assert [css for css, _ in tables.rows] == ["highlight", "", ""]

    by_index = ReportPage("Table")
    by_index.add_table(segment_table(), highlight_rows=[1, 2])
    assert [css for css, _ in read_tables(by_index).rows] == ["", "highlight", "highlight"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"highlight": "is_missing"}, "highlight column 'is_missing' is not in the table"),
        ({"highlight": "segment"}, "must be boolean"),
        ({"highlight_rows": [7]}, r"highlight_rows not in the table's index: \[7\]"),
        ({"formats": {"nope": "{:.1f}"}}, "formats name columns not in the table"),
        ({"float_format": ",.2f"}, "str.format template"),
    ],
)
def test_table_options_that_cannot_apply_are_refused(options, message):
    with pytest.raises(ValueError, match=message):
        ReportPage("Table").add_table(segment_table(), **options)


def test_an_empty_table_says_so():
    page = ReportPage("Table")
    page.add_table(segment_table().iloc[0:0])
    assert read_tables(page).rows == [("", [("empty", "No rows")])]


def test_cards_render_as_a_grid_with_facts_paragraphs_and_accent():
    page = ReportPage("Cards")
    page.add_cards(
        [
            Card(
                "Loyal",
                "18% of customers",
                [("Customers", "12,345"), ("Avg spend", "R$ 123")],
                ["Reward them.", "Ask for reviews."],
                accent="#2f6fb0",
            ),
            Card("New"),
        ]
    )
    html = page.to_html()

    assert html.count('<div class="cards">') == 1
    assert html.count('<article class="card"') == 2
    assert '<article class="card" style="border-top-color: #2f6fb0"><h3>Loyal</h3>' in html
    assert '<p class="card-subtitle">18% of customers</p>' in html
    assert "<dt>Customers</dt><dd>12,345</dd><dt>Avg spend</dt><dd>R$ 123</dd>" in html
    assert "<p>Reward them.</p><p>Ask for reviews.</p>" in html
    assert '<article class="card"><h3>New</h3></article>' in html


def test_cards_are_immutable_and_refuse_bad_values():
    card = Card("Loyal", facts=[("Customers", "12")], paragraphs=["Reward them."])
    assert card.facts == (("Customers", "12"),)
    assert card.paragraphs == ("Reward them.",)
    with pytest.raises(AttributeError):
        card.title = "Other"  # type: ignore[misc]
    with pytest.raises(TypeError, match="format numbers first"):
        Card("Loyal", facts=[("Customers", 12)])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="accent must be a hex colour"):
        Card("Loyal", accent="red; background: url(x)")
    with pytest.raises(ValueError, match="at least one Card"):
        ReportPage("Cards").add_cards([])


def test_headings_get_unique_anchors_listed_in_the_contents():
    page = ReportPage("Headings")
    anchors = [
        page.add_heading("Overview"),
        page.add_heading("Who they are", level=3),
        page.add_heading("Overview"),
        page.add_heading("Footnote", level=4),
    ]
    html = page.to_html()

    assert anchors == [
        "section-overview",
        "section-who-they-are",
        "section-overview-2",
        "section-footnote",
    ]
    contents = html[html.index('<nav class="toc"') : html.index("</nav>")]
    assert re.findall(r'href="#([^"]+)"', contents) == anchors[:3]  # levels 2 and 3 only
    assert '<ol><li><a href="#section-who-they-are">' in contents  # nested under its h2
    for anchor in anchors:
        assert html.count(f'id="{anchor}"') == 1
    with pytest.raises(ValueError, match="heading level"):
        page.add_heading("Title", level=1)


def test_write_creates_the_folder_and_returns_the_path(tmp_path):
    page = ReportPage("Written")
    path = page.write(tmp_path / "reports" / "page.html")
    assert path == tmp_path / "reports" / "page.html"
    assert path.read_text(encoding="utf-8") == page.to_html()


# --- what a real browser renders ---------------------------------------------------------


def test_the_page_renders_every_figure_in_headless_chromium(tmp_path):
    path = full_page().write(tmp_path / "report.html")

    check = check_in_browser(path, tmp_path / "report.png")

    assert check.title == "Customer segments"
    assert check.count_plots == 3
    assert check.count_rendered_plots == 3
    assert check.console_errors == ()
    width, height = png_size(check.screenshot)
    assert width == browser_support.WINDOW_WIDTH
    assert height > 1500  # the whole page, not one screen


def test_the_browser_check_sees_a_script_error_and_an_undrawn_figure(tmp_path):
    # A figure div that no plotly.js draws, and a script that throws.
    html = (
        "<!DOCTYPE html><html><head><title>Broken</title></head><body>"
        '<div id="figure-1" class="plotly-graph-div"></div>'
        "<script>notAFunction();</script></body></html>"
    )
    path = tmp_path / "broken.html"
    path.write_text(html, encoding="utf-8")

    check = check_in_browser(path, tmp_path / "broken.png", timeout_seconds=0.5)

    assert check.count_plots == 1
    assert check.count_rendered_plots == 0
    assert len(check.console_errors) == 1
    assert "notAFunction is not defined" in check.console_errors[0]
    assert check.screenshot.read_bytes().startswith(PNG_SIGNATURE)


def test_a_missing_browser_fails_and_names_the_fix(tmp_path, monkeypatch):
    monkeypatch.setattr(browser_support, "CHROMIUM", tmp_path / "no-chromium")
    path = ReportPage("Any").write(tmp_path / "page.html")
    with pytest.raises(BrowserUnavailableError, match="run `make browser`"):
        check_in_browser(path, tmp_path / "page.png")
