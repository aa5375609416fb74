"""Reads for the directory, the map, the place page, mediators and the goal dashboard."""

import math
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, FloatField, Min, Q, Sum, Value
from django.utils.translation import gettext_lazy as _

from civicard.core import opening_hours
from civicard.core.errors import InvalidInput, NotFound
from civicard.inclusion import schedule, standard
from civicard.inclusion.models import (
    Accompaniment,
    Appointment,
    FirstSeen,
    Goal,
    Mediator,
    OfficeHours,
    PersonSeen,
    Place,
)
from civicard.territory.models import Neighbourhood

PAGE_SIZE = 30
NEAR_KM = 5.0


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def distance_km(lat1, lon1, lat2, lon2) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371 * 2 * math.asin(math.sqrt(a))


def _has_value(field: str, value: str) -> Q:
    """`|`-separated field holds exactly `value` (plain LIKE, fast on both databases)."""
    return (Q(**{field: value}) | Q(**{f"{field}__startswith": f"{value}|"})
            | Q(**{f"{field}__endswith": f"|{value}"})
            | Q(**{f"{field}__contains": f"|{value}|"}))


@dataclass
class PlaceFilters:
    service: str = ""
    public: str = ""
    free: bool = False
    open_now: bool = False
    pass_numerique: bool = False
    neighbourhood: Neighbourhood | None = None
    latitude: float | None = None
    longitude: float | None = None
    q: str = ""
    box: "Box | None" = None  # the map's view: only the places inside it

    @property
    def origin(self) -> tuple[float, float] | None:
        if self.latitude is not None and self.longitude is not None:
            return (self.latitude, self.longitude)
        if self.neighbourhood is not None:
            return (float(self.neighbourhood.centre_latitude),
                    float(self.neighbourhood.centre_longitude))
        return None


def _matching(territory, filters: PlaceFilters):
    places = Place.objects.filter(territory=territory, status=Place.Status.PUBLISHED)
    if filters.service in standard.services():
        places = places.filter(_has_value("services", filters.service))
    if filters.public in standard.publics():
        places = places.filter(_has_value("publics_specifiquement_adresses", filters.public))
    if filters.free:
        places = places.filter(_has_value("frais_a_charge", "Gratuit"))
    if filters.pass_numerique:
        places = places.filter(accepts_pass_numerique=True)
    for word in filters.q.split()[:5]:
        places = places.filter(Q(nom__icontains=word) | Q(commune__icontains=word)
                               | Q(presentation_resume__icontains=word)
                               | Q(adresse__icontains=word) | Q(services__icontains=word))
    if filters.box is not None:
        box = filters.box
        places = places.filter(latitude__range=(box.south, box.north),
                               longitude__range=(box.west, box.east))
    origin = filters.origin
    if origin is not None:  # a bounding box first, so the database does most of the work
        dlat = NEAR_KM / 111.0
        dlon = NEAR_KM / (111.0 * max(math.cos(math.radians(origin[0])), 0.01))
        places = places.filter(latitude__range=(origin[0] - dlat, origin[0] + dlat),
                               longitude__range=(origin[1] - dlon, origin[1] + dlon))
    return places.order_by("nom", "pk")


def find_rows(territory, filters: PlaceFilters, *, at: datetime, fields: tuple) -> list:
    """Rows (pk, horaires, latitude, longitude, *fields) of the published places matching the
    filters, with their distance (None without an origin); near me: within 5 km, nearest
    first. "Open now" is evaluated once per distinct `horaires` text."""
    rows = _matching(territory, filters).values_list("pk", "horaires", "latitude",
                                                     "longitude", *fields)
    open_cache: dict[str, bool] = {}
    origin = filters.origin
    found = []
    for row in rows:
        if filters.open_now:
            state = open_cache.get(row[1])
            if state is None:
                state = open_cache[row[1]] = opening_hours.is_open(row[1], at)
            if not state:
                continue
        distance = None
        if origin is not None:
            if row[2] is None or row[3] is None:
                continue
            distance = distance_km(origin[0], origin[1], row[2], row[3])
            if distance > NEAR_KM:
                continue
        found.append((row, distance))
    if origin is not None:
        found.sort(key=lambda item: item[1])
    return found


class PlaceSelection:
    """The matching places, loaded page by page (a Paginator can slice it)."""

    def __init__(self, rows):
        self.ids = [row[0] for row, _distance in rows]
        self.distances = {row[0]: distance for row, distance in rows}

    def count(self) -> int:
        return len(self.ids)

    __len__ = count

    def __getitem__(self, index):
        ids = self.ids[index] if isinstance(index, slice) else [self.ids[index]]
        by_pk = Place.objects.only(*LIST_FIELDS).in_bulk(ids)
        places = []
        for pk in ids:
            place = by_pk[pk]
            place.distance_km = self.distances[pk]
            places.append(place)
        return places if isinstance(index, slice) else places[0]

    def __iter__(self):
        return iter(self[:])


LIST_FIELDS = ("pk", "standard_id", "nom", "commune", "code_postal", "adresse", "latitude",
               "longitude", "horaires", "services", "frais_a_charge",
               "accepts_pass_numerique", "presentation_resume", "neighbourhood_id", "telephone")


def find_places(territory, filters: PlaceFilters, *, at: datetime):
    """Published places matching the filters, by name, or nearest first (with
    `.distance_km`) when an origin is given. Without "open now" or "near me" the database
    does everything (count and page)."""
    if not filters.open_now and filters.origin is None:
        return _matching(territory, filters).only(*LIST_FIELDS).annotate(
            distance_km=Value(None, output_field=FloatField()))
    return PlaceSelection(find_rows(territory, filters, at=at, fields=()))


def published_place(pk: int) -> Place:
    place = (Place.objects.filter(pk=pk, status=Place.Status.PUBLISHED)
             .select_related("neighbourhood__commune").first())
    if place is None:
        raise NotFound()
    return place


POINTS_MAX = 300  # more places than this in the box: grid clusters
GRID_MAX = 16  # at most 16 × 16 cells over the box (a cell is never smaller than zoom allows)


@dataclass(frozen=True)
class Box:
    """What the map shows: west, south, east, north in degrees, and Leaflet's zoom level."""

    west: float
    south: float
    east: float
    north: float
    zoom: int | None = None

    @classmethod
    def parse(cls, bbox: str, zoom: str = "") -> "Box | None":
        """"west,south,east,north" (and a zoom 0–20), or InvalidInput; empty: None."""
        if not (bbox or "").strip():
            return None
        try:
            west, south, east, north = (float(part) for part in bbox.split(","))
            level = int(zoom) if (zoom or "").strip() else None
        except ValueError:
            raise InvalidInput(fields={"bbox": [BBOX_HELP]}) from None
        if not (-180 <= west < east <= 180 and -90 <= south < north <= 90) or (
                level is not None and not 0 <= level <= 20):
            raise InvalidInput(fields={"bbox": [BBOX_HELP]})
        return cls(west, south, east, north, level)

    def cell(self) -> tuple[float, float]:
        """A grid cell's width and height in degrees: about 64 screen pixels at the zoom,
        and never more than GRID_MAX cells across the box."""
        pixels = 360 / (2 ** (self.zoom + 2)) if self.zoom is not None else 0
        return (max(pixels, (self.east - self.west) / GRID_MAX),
                max(pixels, (self.north - self.south) / GRID_MAX))


BBOX_HELP = _("Send the map's box as west,south,east,north in degrees.")


def _feature(pk, latitude, longitude, nom, hours: bool) -> dict:
    return {"type": "Feature", "id": pk,
            "geometry": {"type": "Point",
                         "coordinates": [round(longitude, 5), round(latitude, 5)]},
            "properties": {"nom": nom, **({"permanence": 1} if hours else {})}}


def geojson(territory, filters: PlaceFilters, *, at: datetime, box: Box | None = None) -> dict:
    """What the map shows, small for slow phones: the places inside `box` (every place without
    one) — each point with its id and name, coordinates to 5 decimals (about 1 m; the page of a
    place is /inclusion/places/<id>/) — or, when more than POINTS_MAX match, grid clusters
    {"count": n} at their places' mean position (a cell holding one place stays a point).
    "total" is the number of places inside the box; the clusters' counts add up to it."""
    if box is not None:
        filters = replace(filters, box=box)
    if not filters.open_now and filters.origin is None:
        return _geojson_in_database(territory, filters, box)
    rows = [(row[0], row[2], row[3], row[4])
            for row, _distance in find_rows(territory, filters, at=at, fields=("nom",))
            if row[2] is not None and row[3] is not None]
    if len(rows) <= POINTS_MAX:
        points, clusters = rows, []
    else:
        if box is None:
            box = Box(min(r[2] for r in rows), min(r[1] for r in rows),
                      max(r[2] for r in rows) + 1e-9, max(r[1] for r in rows) + 1e-9)
        width, height = box.cell()
        cells: dict[tuple[int, int], list] = {}
        for row in rows:
            key = (int((row[2] - box.west) // width), int((row[1] - box.south) // height))
            cells.setdefault(key, []).append(row)
        points = [cell[0] for key, cell in sorted(cells.items()) if len(cell) == 1]
        clusters = [cell for key, cell in sorted(cells.items()) if len(cell) > 1]
    return _features(points, [(len(cell), sum(r[1] for r in cell) / len(cell),
                               sum(r[2] for r in cell) / len(cell)) for cell in clusters],
                     len(rows))


def _geojson_in_database(territory, filters: PlaceFilters, box: Box | None) -> dict:
    """geojson() when every filter is a database filter: the places counted, and clustered
    when many, by the database (GROUP BY grid cell), so that the rows never travel."""
    from django.db.models import Avg, F, Max
    from django.db.models.functions import Floor

    places = _matching(territory, filters).filter(
        latitude__isnull=False, longitude__isnull=False).order_by()
    if box is None:
        extent = places.aggregate(total=Count("pk"), west=Min("longitude"),
                                  south=Min("latitude"), east=Max("longitude"),
                                  north=Max("latitude"))
        total = extent["total"]
        if total > POINTS_MAX:
            box = Box(extent["west"], extent["south"], extent["east"] + 1e-9,
                      extent["north"] + 1e-9)
    else:
        total = places.count()
    if total <= POINTS_MAX:
        rows = list(places.order_by("nom", "pk").values_list("pk", "latitude", "longitude",
                                                             "nom"))
        return _features(rows, [], total)
    width, height = box.cell()
    cells = list(places.annotate(
        cx=Floor((F("longitude") - box.west) / width), cy=Floor((F("latitude") - box.south)
                                                               / height))
        .values("cx", "cy").annotate(n=Count("pk"), lat=Avg("latitude"), lon=Avg("longitude"),
                                     one=Min("pk")).order_by("cx", "cy"))
    alone = {row["one"] for row in cells if row["n"] == 1}
    rows = list(Place.objects.filter(pk__in=alone).order_by("nom", "pk")
                .values_list("pk", "latitude", "longitude", "nom"))
    clusters = [(row["n"], row["lat"], row["lon"]) for row in cells if row["n"] > 1]
    return _features(rows, clusters, total)


def _features(points: list, clusters: list, total: int) -> dict:
    """The FeatureCollection of `points` [(pk, lat, lon, nom)] and `clusters` [(n, lat, lon)]."""
    with_office_hours = set(OfficeHours.objects.filter(place_id__in=[p[0] for p in points])
                            .values_list("place_id", flat=True)) if points else set()
    features = [_feature(pk, lat, lon, nom, pk in with_office_hours)
                for pk, lat, lon, nom in points]
    features += [{"type": "Feature",
                  "geometry": {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]},
                  "properties": {"count": n}} for n, lat, lon in clusters]
    return {"type": "FeatureCollection", "total": total, "features": features}


def export_rows(territory):
    """The published places in the standard's fields, one at a time."""
    from civicard.inclusion.operations import place_row

    return (place_row(place) for place in Place.objects.filter(
        territory=territory, status=Place.Status.PUBLISHED).order_by("standard_id")
        .iterator(chunk_size=1000))


# --- office hours and appointments ----------------------------------------------------------

def upcoming_sessions(*, place: Place | None = None, mediator: Mediator | None = None,
                      start: date, days: int = 28) -> list[tuple[OfficeHours, schedule.Session]]:
    rows = OfficeHours.objects.select_related("mediator", "place").prefetch_related("changes")
    if place is not None:
        rows = rows.filter(place=place)
    if mediator is not None:
        rows = rows.filter(mediator=mediator)
    found = []
    for office_hours in rows:
        for session in schedule.sessions(office_hours, start, start + timedelta(days=days),
                                         time_zone=settings.TIME_ZONE,
                                         changes=list(office_hours.changes.all())):
            found.append((office_hours, session))
    return sorted(found, key=lambda item: item[1].starts_at)


def free_slots(office_hours: OfficeHours, *, start: date, days: int, at: datetime):
    """[(session, [free slot starts])] for the next `days` days."""
    taken = set(Appointment.objects.filter(
        office_hours=office_hours, status=Appointment.Status.BOOKED,
        starts_at__gte=at).values_list("starts_at", flat=True))
    result = []
    for session in schedule.sessions(office_hours, start, start + timedelta(days=days),
                                     time_zone=settings.TIME_ZONE):
        free = [begin for begin, _end in schedule.slots(session, office_hours.slot_minutes)
                if begin > at and begin not in taken]
        if free:
            result.append((session, free))
    return result


def mediator_day(mediator: Mediator, day: date):
    start = datetime.combine(day, time.min, tzinfo=zone())
    appointments = (Appointment.objects.filter(
        office_hours__mediator=mediator, status=Appointment.Status.BOOKED,
        starts_at__gte=start, starts_at__lt=start + timedelta(days=1))
        .select_related("person", "office_hours__place"))
    sessions = upcoming_sessions(mediator=mediator, start=day, days=0)
    return sessions, list(appointments)


# --- goal dashboard -------------------------------------------------------------------------

def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    return date(year, month % 12 + 1, 1)


@dataclass
class NeighbourhoodProgress:
    neighbourhood: Neighbourhood
    population: int
    target: int
    months: list[tuple[date, int, int]]  # (month start, cumulative unique people, target so far)
    reached: int
    projected: int

    @property
    def percent(self) -> float:
        return 100 * self.reached / self.population if self.population else 0.0

    @property
    def on_track(self) -> bool:
        return self.projected >= self.target


def goal_progress(goal: Goal, *, today: date) -> tuple[date, list[NeighbourhoodProgress]]:
    """Unique people (pseudonyms) accompanied per neighbourhood, counted in the month they were
    first seen, cumulated month by month; a linear projection to the deadline."""
    deadline = date(goal.start_date.year + goal.years, goal.start_date.month,
                    min(goal.start_date.day, 28))
    total_months = goal.years * 12
    first_month = date(goal.start_date.year, goal.start_date.month, 1)
    last_month = date(min(today, deadline).year, min(today, deadline).month, 1)
    month_count = (last_month.year - first_month.year) * 12 + last_month.month \
        - first_month.month + 1
    result = []
    hoods = list(goal.neighbourhoods.select_related("commune").order_by("name"))
    firsts = first_months(hoods, goal.start_date, deadline)
    for hood in hoods:
        population = hood.population or 0
        target = math.ceil(population * float(goal.percent) / 100)
        per_month = firsts.get(hood.pk, {})
        months, running = [], 0
        for n in range(max(month_count, 0)):
            month = add_months(first_month, n)
            running += per_month.get(month, 0)
            months.append((month, running, math.ceil(target * (n + 1) / total_months)))
        elapsed = max(month_count, 1)
        projected = round(running * total_months / elapsed)
        result.append(NeighbourhoodProgress(hood, population, target, months, running,
                                            projected))
    return deadline, result


def first_months(hoods, start: date, end: date) -> dict[int, dict[date, int]]:
    """{neighbourhood id: {month: people first accompanied there that month}}, a person counted
    at their first day inside [start, end]. Read from FirstSeen; only the people first seen
    before `start` (and seen again since) need their accompaniments."""
    result: dict[int, dict[date, int]] = {}
    # grouped by day, straight from the (neighbourhood, first_date) index; months in Python
    counted = (FirstSeen.objects.filter(neighbourhood__in=hoods, first_date__gte=start,
                                        first_date__lte=end).order_by()
               .values_list("neighbourhood_id", "first_date").annotate(n=Count("*")))
    for hood, day, n in counted:
        months = result.setdefault(hood, {})
        months[day.replace(day=1)] = months.get(day.replace(day=1), 0) + n
    # people first seen before the start (and maybe again since): few once a goal runs
    earlier = set(FirstSeen.objects.filter(neighbourhood__in=hoods, first_date__lt=start)
                  .values_list("neighbourhood_id", "pseudonym"))
    names = sorted({name for _hood, name in earlier})
    for offset in range(0, len(names), 1000):
        returning = (Accompaniment.objects.filter(
            pseudonym__in=names[offset:offset + 1000], neighbourhood__in=hoods,
            date__gte=start, date__lte=end).order_by()
            .values_list("neighbourhood_id", "pseudonym").annotate(first=Min("date")))
        for hood, name, first in returning:
            if (hood, name) in earlier:
                month = first.replace(day=1)
                result.setdefault(hood, {})[month] = result.get(hood, {}).get(month, 0) + 1
    return result


def recount_person_seen() -> dict:
    """{pseudonym: accompaniments}, from every accompaniment: what PersonSeen must hold."""
    return dict(Accompaniment.objects.order_by().values_list("pseudonym")
                .annotate(n=Count("pk")))


def recount_first_seen() -> dict:
    """{(neighbourhood id, pseudonym): first day}, from every accompaniment: what FirstSeen
    must hold."""
    rows = (Accompaniment.objects.filter(neighbourhood__isnull=False).order_by()
            .values_list("neighbourhood_id", "pseudonym").annotate(first=Min("date")))
    return {(hood, name): first for hood, name, first in rows}


def accompaniment_totals(mediator: Mediator | None = None) -> dict:
    """Accompaniments and different people: everyone's from PersonSeen, a mediator's counted."""
    if mediator is None:
        totals = PersonSeen.objects.aggregate(total=Sum("visits"), people=Count("pk"))
        return {"total": totals["total"] or 0, "people": totals["people"]}
    rows = Accompaniment.objects.all()
    if mediator is not None:
        rows = rows.filter(mediator=mediator)
    return rows.aggregate(total=Count("pk"), people=Count("pseudonym", distinct=True))
