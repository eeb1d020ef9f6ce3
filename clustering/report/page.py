"""One self-contained HTML page: headings, text, plotly figures, tables and cards.

The page works offline from a single file: the CSS is inline, plotly.js is
inlined once in <head> (only when the page has a figure), and nothing is loaded
from another address (no CDN, web font or MathJax). Every piece of user text is
HTML-escaped. The builder knows nothing about segments; report modules decide
what goes on the page.
"""

from __future__ import annotations

import datetime as dt
import decimal
import html
import numbers
import re
from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

# A value formatter: a str.format template such as "{:,.2f}" or a function.
Formatter = str | Callable[[Any], str]

DEFAULT_FLOAT_FORMAT = "{:,.2f}"
MISSING = "\u2013"  # en dash for a missing value
FIGURE_HEIGHT = "480px"  # used when the figure's layout sets no height
# Plotly's modebar stays (zoom, download PNG); its link to plotly.com does not.
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}
HEADING_LEVELS = (2, 3, 4)
TOC_LEVELS = (2, 3)

_HEX_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")

CSS = """
:root {
  --ink: #1f2933; --muted: #52606d; --line: #d9e2ec; --paper: #ffffff;
  --tint: #f5f7fa; --accent: #2f6fb0; --highlight: #fff4d6; --note: #eef5fc;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--tint); color: var(--ink);
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
    sans-serif;
  font-size: 16px; line-height: 1.55;
}
.page { max-width: 1120px; margin: 0 auto; padding: 32px 24px 64px; }
header.page-header { border-bottom: 1px solid var(--line); margin-bottom: 24px; }
h1 { font-size: 2rem; line-height: 1.2; margin: 0 0 8px; }
.subtitle { color: var(--muted); font-size: 1.1rem; margin: 0 0 20px; }
h2 {
  font-size: 1.45rem; margin: 40px 0 12px; padding-top: 8px;
  border-top: 3px solid var(--accent);
}
h3 { font-size: 1.15rem; margin: 28px 0 8px; }
h4 { font-size: 1rem; margin: 20px 0 6px; color: var(--muted); }
p { margin: 0 0 12px; max-width: 75ch; }
nav.toc {
  background: var(--paper); border: 1px solid var(--line); border-radius: 8px;
  padding: 12px 20px; margin-bottom: 24px;
}
nav.toc .toc-title {
  font-weight: 600; font-size: 0.85rem; text-transform: uppercase;
  letter-spacing: 0.05em; color: var(--muted);
}
nav.toc ol { margin: 6px 0 0; padding-left: 20px; }
nav.toc ol ol { margin: 0; }
nav.toc a { color: var(--accent); text-decoration: none; }
nav.toc a:hover { text-decoration: underline; }
figure.chart {
  margin: 16px 0 24px; background: var(--paper); border: 1px solid var(--line);
  border-radius: 8px; padding: 8px;
}
figcaption, .table-wrap caption {
  color: var(--muted); font-size: 0.9rem; padding: 6px 8px; text-align: left;
}
.table-wrap {
  overflow-x: auto; margin: 16px 0 24px; background: var(--paper);
  border: 1px solid var(--line); border-radius: 8px;
}
table { border-collapse: collapse; width: 100%; font-size: 0.92rem; }
.table-wrap caption { caption-side: top; }
th, td { padding: 7px 12px; border-bottom: 1px solid var(--line); text-align: left; }
thead th {
  background: var(--tint); font-weight: 600; white-space: nowrap;
  border-bottom: 2px solid var(--line);
}
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody tr:nth-child(even) { background: #fafbfc; }
tbody tr.highlight { background: var(--highlight); font-weight: 600; }
tbody tr.highlight > :first-child { box-shadow: inset 4px 0 0 #d69e2e; }
td.empty { color: var(--muted); text-align: center; }
.cards {
  display: grid; gap: 16px; margin: 16px 0 24px;
  grid-template-columns: repeat(auto-fill, minmax(260px, 1fr));
}
.card {
  background: var(--paper); border: 1px solid var(--line); border-top: 5px solid var(--accent);
  border-radius: 8px; padding: 14px 16px;
}
.card h3 { margin: 0 0 2px; font-size: 1.1rem; }
.card .card-subtitle { color: var(--muted); font-size: 0.9rem; margin: 0 0 10px; }
.card dl {
  display: grid; grid-template-columns: auto 1fr; gap: 2px 12px; margin: 0 0 10px;
  font-size: 0.92rem;
}
.card dt { color: var(--muted); }
.card dd { margin: 0; text-align: right; font-weight: 600; font-variant-numeric: tabular-nums; }
.card p { font-size: 0.92rem; margin: 0 0 8px; }
.note {
  background: var(--note); border-left: 4px solid var(--accent); border-radius: 4px;
  padding: 10px 14px; margin: 16px 0; max-width: 75ch;
}
@media print {
  body { background: #fff; }
  nav.toc { display: none; }
  figure.chart, .table-wrap, .card { break-inside: avoid; }
}
"""


@dataclass(frozen=True)
class Card:
    """One card in a grid: a title, a subtitle, label/value facts and short paragraphs.

    `facts` values are shown as given, so format numbers before passing them
    (e.g. ``("Customers", f"{count:,}")``). `accent` is an optional hex colour
    (``#rgb`` or ``#rrggbb``) for the card's top border, e.g. the colour the
    same item has in the figures.
    """

    title: str
    subtitle: str = ""
    facts: Sequence[tuple[str, str]] = ()
    paragraphs: Sequence[str] = ()
    accent: str | None = None

    def __post_init__(self) -> None:
        facts = tuple(tuple(fact) for fact in self.facts)
        for fact in facts:
            if len(fact) != 2 or not all(isinstance(part, str) for part in fact):
                raise TypeError(
                    f"Card {self.title!r}: each fact must be a (label, value) pair of strings, "
                    f"got {fact!r}; format numbers first, e.g. f'{{value:,}}'"
                )
        paragraphs = tuple(self.paragraphs)
        if not all(isinstance(paragraph, str) for paragraph in paragraphs):
            raise TypeError(f"Card {self.title!r}: paragraphs must be strings, got {paragraphs!r}")
        if self.accent is not None and not _HEX_COLOUR.fullmatch(self.accent):
            raise ValueError(
                f"Card {self.title!r}: accent must be a hex colour like '#2f6fb0', "
                f"got {self.accent!r}"
            )
        # Tuples, so a frozen card is also immutable inside.
        object.__setattr__(self, "facts", facts)
        object.__setattr__(self, "paragraphs", paragraphs)


@dataclass(frozen=True)
class _TocEntry:
    level: int
    anchor: str
    text: str


class ReportPage:
    """Builder for one self-contained, offline HTML page.

    Add blocks in reading order, then `write` the file (or take `to_html`).
    Level-2 and level-3 headings get anchors and appear in a table of contents
    at the top of the page.
    """

    def __init__(self, title: str, subtitle: str = "") -> None:
        self.title = title
        self.subtitle = subtitle
        self._blocks: list[str] = []
        self._toc: list[_TocEntry] = []
        self._anchors: set[str] = set()
        self._count_figures = 0

    def add_heading(self, text: str, level: int = 2) -> str:
        """Add a section heading (level 2 to 4); return its anchor id."""
        if level not in HEADING_LEVELS:
            raise ValueError(f"heading level must be one of {HEADING_LEVELS}, got {level!r}")
        anchor = self._new_anchor(text)
        if level in TOC_LEVELS:
            self._toc.append(_TocEntry(level, anchor, text))
        self._blocks.append(f'<h{level} id="{anchor}">{_escape(text)}</h{level}>')
        return anchor

    def add_paragraph(self, text: str) -> None:
        """Add a paragraph of plain text (escaped; no markup)."""
        self._blocks.append(f"<p>{_escape(text)}</p>")

    def add_note(self, text: str) -> None:
        """Add a highlighted note, e.g. how to read a chart or a caveat."""
        self._blocks.append(f'<aside class="note"><p>{_escape(text)}</p></aside>')

    def add_figure(self, fig: go.Figure, caption: str = "") -> str:
        """Embed a plotly figure (drawn by the page's one inline plotly.js); return its div id.

        Div ids are ``figure-1``, ``figure-2``, ... in the order figures are added.
        """
        if not isinstance(fig, go.Figure):
            raise TypeError(f"add_figure needs a plotly.graph_objects.Figure, got {type(fig)!r}")
        self._count_figures += 1
        div_id = f"figure-{self._count_figures}"
        body = fig.to_html(
            full_html=False,
            include_plotlyjs=False,
            include_mathjax=False,
            div_id=div_id,
            config=PLOTLY_CONFIG,
            default_height=FIGURE_HEIGHT,
        )
        caption_html = f"<figcaption>{_escape(caption)}</figcaption>" if caption else ""
        self._blocks.append(f'<figure class="chart">{body}{caption_html}</figure>')
        return div_id

    def add_table(
        self,
        df: pd.DataFrame,
        caption: str = "",
        float_format: Formatter = DEFAULT_FLOAT_FORMAT,
        *,
        formats: Mapping[Hashable, Formatter] | None = None,
        highlight: Hashable | None = None,
        highlight_rows: Collection[Hashable] = (),
        index: bool = False,
    ) -> None:
        """Add a table of `df`, escaped, with numbers formatted for reading.

        Integers get thousands separators, other numbers `float_format` (a
        template like ``"{:,.1%}"`` or a function), booleans "yes"/"no", dates
        ISO 8601 and missing values a dash. `formats` maps a column to its own
        template or function, applied to every non-missing value. Rows are
        highlighted where the boolean column named by `highlight` is true (that
        column is not shown) and where the index label is in `highlight_rows`.
        `index=True` shows the index as the first column.
        """
        formats = dict(formats or {})
        unknown = [column for column in formats if column not in df.columns]
        if unknown:
            raise ValueError(
                f"formats name columns not in the table: {unknown!r}; "
                f"columns are {list(df.columns)!r}"
            )
        for formatter in [float_format, *formats.values()]:
            _check_formatter(formatter)
        marked = pd.Series(False, index=df.index)
        if highlight is not None:
            if highlight not in df.columns:
                raise ValueError(
                    f"highlight column {highlight!r} is not in the table; "
                    f"columns are {list(df.columns)!r}"
                )
            if not pd.api.types.is_bool_dtype(df[highlight]):
                raise ValueError(
                    f"highlight column {highlight!r} must be boolean, got {df[highlight].dtype}"
                )
            marked = df[highlight].fillna(False).astype(bool)
            df = df.drop(columns=[highlight])
        missing_rows = [label for label in highlight_rows if label not in df.index]
        if missing_rows:
            raise ValueError(f"highlight_rows not in the table's index: {missing_rows!r}")
        marked = marked | df.index.isin(list(highlight_rows))

        header_cells = []
        if index:
            header_cells.append(f'<th scope="col">{_escape(_label(df.index.name or ""))}</th>')
        numeric_columns = [_is_numeric_column(df[column]) for column in df.columns]
        for column, numeric in zip(df.columns, numeric_columns, strict=True):
            css = ' class="num"' if numeric else ""
            header_cells.append(f'<th scope="col"{css}>{_escape(_label(column))}</th>')

        rows = []
        columns = list(df.columns)
        for label, values, is_marked in zip(
            df.index, df.itertuples(index=False, name=None), marked.to_numpy(), strict=True
        ):
            cells = []
            if index:
                text, _ = _format_value(label, float_format)
                cells.append(f'<th scope="row">{_escape(text)}</th>')
            for column, numeric_column, value in zip(columns, numeric_columns, values, strict=True):
                text, numeric = _format_value(value, float_format, formats.get(column))
                # Missing values sit where the numbers are, in a number column.
                css = ' class="num"' if numeric or numeric_column else ""
                cells.append(f"<td{css}>{_escape(text)}</td>")
            row_css = ' class="highlight"' if is_marked else ""
            rows.append(f"<tr{row_css}>{''.join(cells)}</tr>")
        if not rows:
            span = len(header_cells)
            rows.append(f'<tr><td class="empty" colspan="{span}">No rows</td></tr>')

        caption_html = f"<caption>{_escape(caption)}</caption>" if caption else ""
        self._blocks.append(
            f'<div class="table-wrap"><table>{caption_html}'
            f"<thead><tr>{''.join(header_cells)}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div>"
        )

    def add_cards(self, cards: Sequence[Card]) -> None:
        """Add cards as a responsive grid (as many columns as the width allows)."""
        if not cards:
            raise ValueError("add_cards needs at least one Card, got none")
        for card in cards:
            if not isinstance(card, Card):
                raise TypeError(f"add_cards takes Card objects, got {type(card)!r}")
        rendered = "".join(_render_card(card) for card in cards)
        self._blocks.append(f'<div class="cards">{rendered}</div>')

    def to_html(self) -> str:
        """The whole page as one HTML document."""
        plotly_js = f"<script>{get_plotlyjs()}</script>" if self._count_figures else ""
        subtitle = f'<p class="subtitle">{_escape(self.subtitle)}</p>' if self.subtitle else ""
        return (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{_escape(self.title)}</title>\n<style>{CSS}</style>\n{plotly_js}\n"
            '</head>\n<body>\n<div class="page">\n'
            f'<header class="page-header"><h1>{_escape(self.title)}</h1>{subtitle}</header>\n'
            f"{self._render_toc()}<main>\n" + "\n".join(self._blocks) + "\n</main>\n</div>\n"
            "</body>\n</html>\n"
        )

    def write(self, path: str | Path) -> Path:
        """Write the page to `path` (creating its folder) and return the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_html(), encoding="utf-8")
        return path

    def _new_anchor(self, text: str) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"
        anchor = f"section-{slug}"
        suffix = 2
        while anchor in self._anchors:
            anchor = f"section-{slug}-{suffix}"
            suffix += 1
        self._anchors.add(anchor)
        return anchor

    def _render_toc(self) -> str:
        if not self._toc:
            return ""
        parts = ["<ol>"]
        open_sublist = False
        for entry in self._toc:
            link = f'<a href="#{entry.anchor}">{_escape(entry.text)}</a>'
            if entry.level == 3:
                if not open_sublist:
                    parts.append("<ol>")
                    open_sublist = True
                parts.append(f"<li>{link}</li>")
                continue
            if open_sublist:
                parts.append("</ol>")
                open_sublist = False
            parts.append(f"<li>{link}</li>")
        if open_sublist:
            parts.append("</ol>")
        parts.append("</ol>")
        return (
            '<nav class="toc" aria-label="Contents"><div class="toc-title">Contents</div>'
            + "".join(parts)
            + "</nav>\n"
        )


def _escape(text: str) -> str:
    return html.escape(str(text), quote=True)


def _label(name: Hashable) -> str:
    if isinstance(name, tuple):
        return " / ".join(str(part) for part in name)
    return str(name)


def _check_formatter(formatter: Formatter) -> None:
    if isinstance(formatter, str):
        if "{" not in formatter:
            raise ValueError(
                f"a format must be a str.format template like '{{:,.2f}}', got {formatter!r}"
            )
    elif not callable(formatter):
        raise TypeError(f"a format must be a template string or a function, got {formatter!r}")


def _apply(formatter: Formatter, value: Any) -> str:
    return formatter.format(value) if isinstance(formatter, str) else str(formatter(value))


def _is_numeric_column(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def _format_value(
    value: Any, float_format: Formatter, column_format: Formatter | None = None
) -> tuple[str, bool]:
    """Display text of one cell and whether it is a number (right-aligned)."""
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return MISSING, False
    is_number = isinstance(value, numbers.Real | decimal.Decimal) and not isinstance(
        value, bool | np.bool_
    )
    if column_format is not None:
        return _apply(column_format, value), is_number
    if isinstance(value, str):
        return value, False
    if isinstance(value, bool | np.bool_):
        return ("yes" if value else "no"), False
    if isinstance(value, numbers.Integral):
        return f"{value:,}", True
    if is_number:
        return _apply(float_format, value), True
    if isinstance(value, pd.Timestamp | dt.datetime):
        stamp = pd.Timestamp(value)
        if stamp == stamp.normalize() and stamp.tzinfo is None:
            return stamp.strftime("%Y-%m-%d"), False
        return stamp.isoformat(sep=" ", timespec="minutes"), False
    if isinstance(value, dt.date):
        return value.isoformat(), False
    return str(value), False


def _render_card(card: Card) -> str:
    style = f' style="border-top-color: {card.accent}"' if card.accent else ""
    subtitle = f'<p class="card-subtitle">{_escape(card.subtitle)}</p>' if card.subtitle else ""
    facts = ""
    if card.facts:
        items = "".join(
            f"<dt>{_escape(label)}</dt><dd>{_escape(value)}</dd>" for label, value in card.facts
        )
        facts = f"<dl>{items}</dl>"
    paragraphs = "".join(f"<p>{_escape(paragraph)}</p>" for paragraph in card.paragraphs)
    return (
        f'<article class="card"{style}><h3>{_escape(card.title)}</h3>'
        f"{subtitle}{facts}{paragraphs}</article>"
    )
