"""Small server-rendered SVG bar charts; each page shows the same figures in a table too."""

from django.utils.html import escape
from django.utils.safestring import mark_safe

COLOURS = ["#1f5fa8", "#2f8a4c", "#a8551f", "#6b3fa0", "#8a2f5d"]


def bars(rows: list[tuple[str, float]], *, title: str, unit: str = "") -> str:
    """A horizontal bar chart: one labelled bar per row, the value written at its end."""
    if not rows:
        return ""
    width, label_w, bar_h, gap = 320, 120, 26, 10
    top = max(value for _label, value in rows) or 1
    height = len(rows) * (bar_h + gap) + gap
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
             f"<title>{escape(title)}</title>"]
    for index, (label, value) in enumerate(rows):
        y = gap + index * (bar_h + gap)
        length = max(2, (width - label_w - 60) * value / top)
        text = f"{value:g}{unit}"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + bar_h * 0.68}" text-anchor="end" '
            f'font-size="13" fill="#1b1b1b">{escape(label[:18])}</text>'
            f'<rect x="{label_w}" y="{y}" width="{length:.1f}" height="{bar_h}" rx="3" '
            f'fill="{COLOURS[index % len(COLOURS)]}"/>'
            f'<text x="{label_w + length + 6:.1f}" y="{y + bar_h * 0.68}" font-size="13" '
            f'fill="#1b1b1b">{escape(text)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))
