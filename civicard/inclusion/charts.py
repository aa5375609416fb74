"""A small server-rendered SVG line chart: people reached vs the target path, and the
projection to the deadline. The data table beside it carries the same figures."""

from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

WIDTH, HEIGHT, PAD = 320, 180, 30


def progress_svg(progress, *, deadline, goal) -> str:
    total_months = goal.years * 12
    top = max(progress.target, progress.projected, 1)

    def x(month_index: float) -> float:
        return PAD + (WIDTH - 2 * PAD) * month_index / total_months

    def y(value: float) -> float:
        return HEIGHT - PAD - (HEIGHT - 2 * PAD) * value / top

    reached = " ".join(f"{x(n + 1):.1f},{y(v):.1f}"
                       for n, (_m, v, _t) in enumerate(progress.months))
    elapsed = len(progress.months)
    start, end = (date_format(day, "SHORT_DATE_FORMAT") for day in (goal.start_date, deadline))
    target = _("target %(target)s") % {"target": progress.target}
    title = _("%(name)s: %(reached)s people reached, target %(target)s by %(deadline)s, "
              "projection %(projected)s") % {
        "name": progress.neighbourhood.name, "reached": progress.reached,
        "target": progress.target, "deadline": end,
        "projected": progress.projected}
    parts = [
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" class="goal-chart" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" '
        'stroke="#555"/>',
        f'<line x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{HEIGHT - PAD}" stroke="#555"/>',
        # the target path: a straight line from 0 to the target at the deadline
        f'<line x1="{x(0):.1f}" y1="{y(0):.1f}" x2="{x(total_months):.1f}" '
        f'y2="{y(progress.target):.1f}" stroke="#1a5e20" stroke-width="2" '
        'stroke-dasharray="6 4"/>',
        f'<line x1="{x(elapsed):.1f}" y1="{y(progress.reached):.1f}" '
        f'x2="{x(total_months):.1f}" y2="{y(progress.projected):.1f}" stroke="#8a4b00" '
        'stroke-width="2" stroke-dasharray="2 3"/>',
    ]
    if reached:
        parts.append(f'<polyline points="{x(0):.1f},{y(0):.1f} {reached}" fill="none" '
                     'stroke="#0b4f9c" stroke-width="3"/>')
    parts.append(f'<text x="{WIDTH - PAD}" y="{PAD - 8}" font-size="12" fill="#222" '
                 'text-anchor="end">'
                 f'{escape(target)}</text>')
    parts.append(f'<text x="{PAD}" y="{HEIGHT - 8}" font-size="12" fill="#222">'
                 f'{escape(start)}</text>')
    parts.append(f'<text x="{WIDTH - PAD}" y="{HEIGHT - 8}" font-size="12" fill="#222" '
                 f'text-anchor="end">{escape(end)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))
