"""Open data: the places in the national standard (CSV and JSON) and GeoJSON for the map."""

import json

from django.http import HttpResponse
from ninja import Router

from civicard.core import clock, spreadsheets
from civicard.core.errors import NotFound
from civicard.inclusion import queries, standard
from civicard.inclusion.forms import PlaceFilterForm
from civicard.territory.queries import current_territory

router = Router(tags=["inclusion"])


def _territory():
    territory = current_territory()
    if territory is None:
        raise NotFound()
    return territory


@router.get("/places.geojson", summary="Published places as GeoJSON (same filters as the list)")
def places_geojson(request, bbox: str = "", zoom: str = ""):
    """With bbox=west,south,east,north (and zoom), only what the map shows; more than 300
    places there come as grid clusters ({"count": n})."""
    form = PlaceFilterForm(request.GET or None)
    data = queries.geojson(_territory(), form.filters(), at=clock.now(),
                           box=queries.Box.parse(bbox, zoom))
    return HttpResponse(json.dumps(data, separators=(",", ":"), ensure_ascii=False),
                        content_type="application/geo+json")


@router.get("/places.csv", summary="Published places in the national standard (CSV)")
def places_csv(request):
    return spreadsheets.csv_response("lieux-mediation-numerique.csv",
                                     standard.csv_lines(queries.export_rows(_territory())))


@router.get("/places.json", summary="Published places in the national standard (JSON)")
def places_json(request):
    rows = [{name: standard.format_value(row.get(name)) for name in standard.field_names()}
            for row in queries.export_rows(_territory())]
    for row in rows:  # numbers stay numbers in JSON; empty optional values are null
        for name in ("latitude", "longitude"):
            row[name] = float(row[name]) if row[name] else None
        for name, value in row.items():
            if value == "":
                row[name] = None
    return HttpResponse(json.dumps(rows, ensure_ascii=False),
                        content_type="application/json; charset=utf-8")
