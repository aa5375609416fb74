"""Printable booklets (one A4 page of 5 vouchers per booklet) and venue statements."""

import base64

import segno
from django.template.loader import render_to_string
from weasyprint import HTML

from civicard.benefits import codes, rules
from civicard.benefits.queries import accepting_venues
from civicard.core import clock


def _qr(payload: str) -> str:
    svg = segno.make(payload, error="m").svg_inline(scale=4, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _logo(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode() if svg else ""


def booklets_pdf(booklets) -> bytes:
    pages = []
    for booklet in booklets:
        programme = booklet.programme
        venues = accepting_venues(programme, rules.local_date(clock.now()))
        pages.append({
            "booklet": booklet, "programme": programme,
            "logo": _logo(programme.funder.logo_svg),
            "venues": ", ".join(v.name for v in venues),
            "vouchers": [{"voucher": v, "code": codes.display(v.code),
                          "qr": _qr(codes.qr_payload(v.code))}
                         for v in booklet.vouchers.order_by("position")],
        })
    html = render_to_string("benefits/print_booklets.html", {"pages": pages})
    return HTML(string=html).write_pdf()


def statement_pdf(statement) -> bytes:
    html = render_to_string("benefits/print_statement.html", {
        "statement": statement, "lines": statement.lines.all(),
        "logo": _logo(statement.programme.funder.logo_svg)})
    return HTML(string=html).write_pdf()
