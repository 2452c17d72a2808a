"""A small format-neutral document, rendered to self-contained HTML and to Markdown.

The report is built once as sections of blocks; both renderers escape every piece of text, so a
participant who writes `<script>` or a Markdown link gets it shown as text. Only `Chart.svg`, which
`bot.analysis.charts` builds with its own escaping, is inserted as markup. Text the report itself words
(a block with `code=True`, and the banner) may name a command between backticks: it is shown as code,
`<code>` in HTML and a code span in Markdown, its content escaped like the rest. Quotes, themes, tables
and headings, which hold participants' and codebooks' words, never are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape


@dataclass
class Paragraph:
    text: str
    note: bool = False  # a caveat, shown in a box
    code: bool = False  # `...` in the text is a command to show as code (for the report's own words)


@dataclass
class Heading:
    text: str  # a sub-heading inside a section


@dataclass
class Bullets:
    items: list[str]
    code: bool = False  # as for Paragraph


@dataclass
class Quotes:
    items: list[tuple[str, str]]  # (quote, attribution such as the interview code)


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    numeric: set[int] = field(default_factory=set)  # column indexes to right-align


@dataclass
class Chart:
    svg: str
    caption: str


Block = Paragraph | Heading | Bullets | Quotes | Table | Chart


@dataclass
class Section:
    id: str  # the anchor, e.g. "prevalence"
    title: str
    blocks: list[Block] = field(default_factory=list)


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:980px;padding:0 1.2rem 4rem;
color:#1d1d1f;line-height:1.5}
h1{margin-top:2rem}h2{border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2.6rem}h3{margin-bottom:.3rem}
nav ol{columns:2;padding-left:1.2rem}nav a{color:#0063a5}
table{border-collapse:collapse;margin:.8rem 0;font-size:.9rem;width:100%}
th,td{border-bottom:1px solid #e4e4e4;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f5f5f7}td.num,th.num{text-align:right;white-space:nowrap}
blockquote{margin:.6rem 0;padding:.4rem .9rem;border-left:4px solid #0072B2;background:#f7fafc}
blockquote cite{display:block;color:#666;font-size:.85rem;font-style:normal;margin-top:.2rem}
.note{background:#fff8e5;border:1px solid #f0d68a;padding:.5rem .8rem;border-radius:4px}
.banner{background:#fdecea;border:2px solid #D55E00;padding:.7rem 1rem;border-radius:4px;font-weight:600}
figure{margin:1rem 0;overflow-x:auto}figcaption{color:#555;font-size:.85rem}
svg.chart{max-width:100%;height:auto}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em;background:#f0f0f2;padding:0 .2rem;
border-radius:3px}.banner code{background:#f8d7d0}
"""


def html(title: str, sections: list[Section], banner: str | None = None) -> str:
    """One HTML file with inline CSS and inline SVG: no script, no external resource.

    A `banner` is a warning shown under the title, before the contents.
    """
    toc = "".join(f'<li><a href="#{s.id}">{escape(s.title)}</a></li>' for s in sections)
    body = "\n".join(_html_section(s) for s in sections)
    warning = f'<p class="banner" role="alert">{_html_text(banner, code=True)}</p>\n' if banner else ""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f"<h1>{escape(title)}</h1>\n{warning}<nav><ol>{toc}</ol></nav>\n{body}\n</body>\n</html>\n"
    )


def _html_section(section: Section) -> str:
    parts = [f'<section id="{section.id}">', f"<h2>{escape(section.title)}</h2>"]
    parts += [_html_block(b) for b in section.blocks]
    parts.append("</section>")
    return "\n".join(parts)


_CODE_SPAN = re.compile(r"`([^`]+)`")  # split() puts the plain text at even, the code at odd positions


def _html_text(text: str, code: bool = False) -> str:
    """`text` escaped; with `code`, its backticked spans as <code> (their content escaped too)."""
    if not code:
        return escape(text)
    parts = _CODE_SPAN.split(text)
    return "".join(f"<code>{escape(p)}</code>" if i % 2 else escape(p) for i, p in enumerate(parts))


def _html_block(block: Block) -> str:
    if isinstance(block, Paragraph):
        text = _html_text(block.text, block.code)
        return f'<p class="note">{text}</p>' if block.note else f"<p>{text}</p>"
    if isinstance(block, Heading):
        return f"<h3>{escape(block.text)}</h3>"
    if isinstance(block, Bullets):
        return "<ul>" + "".join(f"<li>{_html_text(i, block.code)}</li>" for i in block.items) + "</ul>"
    if isinstance(block, Quotes):
        return "\n".join(
            f"<blockquote>{escape(q)}<cite>{escape(who)}</cite></blockquote>" for q, who in block.items
        )
    if isinstance(block, Table):
        return _html_table(block)
    return f"<figure>{block.svg}<figcaption>{escape(block.caption)}</figcaption></figure>"


def _html_table(table: Table) -> str:
    def cell(tag: str, i: int, text: str) -> str:
        cls = ' class="num"' if i in table.numeric else ""
        return f"<{tag}{cls}>{escape(text)}</{tag}>"

    head = "".join(cell("th", i, h) for i, h in enumerate(table.header))
    rows = "".join("<tr>" + "".join(cell("td", i, c) for i, c in enumerate(r)) + "</tr>" for r in table.rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|]|<(?=[A-Za-z/!?]))")  # a "<" only when it could open a tag
_MD_LINE_START = re.compile(r"^([#>+=-]|\d+(?=[.)]))")  # would start a heading, quote or list


def md_text(text: str, line_start: bool = True, code: bool = False) -> str:
    """Participant or label text made inert in Markdown: one line, special characters escaped.

    With `line_start`, a leading character that would make a heading, quote or list is escaped too
    (not needed inside table cells). With `code`, backticked spans stay code spans, as written.
    """
    parts = _CODE_SPAN.split(" ".join(text.split())) if code else [" ".join(text.split())]
    line = "".join(f"`{p}`" if i % 2 else _MD_SPECIAL.sub(r"\\\1", p) for i, p in enumerate(parts))
    if not line_start:
        return line
    match = _MD_LINE_START.match(line)
    if match is None:
        return line
    return line[: match.end()] + "\\" + line[match.end() :] if match.group(1)[0].isdigit() else "\\" + line


def markdown(title: str, sections: list[Section], banner: str | None = None) -> str:
    """The same document as Markdown; charts become a pointer to the HTML report."""
    out = [f"# {md_text(title)}", ""]
    if banner:
        out += [f"> **Warning:** {md_text(banner, code=True)}", ""]
    for section in sections:
        out += [f"## {md_text(section.title)}", ""]
        for block in section.blocks:
            out += _md_block(block) + [""]
    return "\n".join(out).rstrip() + "\n"


def _md_block(block: Block) -> list[str]:
    if isinstance(block, Paragraph):
        text = md_text(block.text, code=block.code)
        return [f"> **Note:** {text}" if block.note else text]
    if isinstance(block, Heading):
        return [f"### {md_text(block.text)}"]
    if isinstance(block, Bullets):
        return [f"- {md_text(i, code=block.code)}" for i in block.items]
    if isinstance(block, Quotes):
        lines: list[str] = []
        for q, who in block.items:
            lines += [f"> {md_text(q)}", f"> \u2014 {md_text(who)}", ""]
        return lines[:-1]
    if isinstance(block, Table):
        align = ["---:" if i in block.numeric else "---" for i in range(len(block.header))]
        rows = [block.header, *block.rows]
        lines = ["| " + " | ".join(md_text(c, line_start=False) or " " for c in r) + " |" for r in rows]
        return [lines[0], "| " + " | ".join(align) + " |", *lines[1:]]
    return [f"*Chart in report.html: {md_text(block.caption)}*"]
