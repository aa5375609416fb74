"""PDF pages rendered from templates (statements, receipts, cards), shown in the browser."""

from django.http import HttpResponse
from django.template.loader import render_to_string


def pdf_response(template: str, context: dict, filename: str, request) -> HttpResponse:
    from weasyprint import HTML  # heavy: loaded on the first PDF

    html = render_to_string(template, context, request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
