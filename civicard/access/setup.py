"""The managers' operations: places, checkpoints, staff door groups and their windows and
members, quotas.

A manager scoped to communes may only touch places of those communes, before and after the
change. Allow-list versions follow from civicard.access.signals: checkpoints, door groups,
their places, windows and members, and new quotas bump them."""

from datetime import datetime

from django.db import IntegrityError, transaction

from civicard.access.exceptions import (
    AlreadyMember,
    ChargeWithoutService,
    CheckpointHasHistory,
    CheckpointNameTaken,
    CountryUnknown,
    NameEmpty,
    NoPlaces,
    NotMember,
    OpenedByGroups,
    OpeningHoursInvalid,
    PlaceHasCheckpoints,
    PlaceNameTaken,
    QuotaExists,
    QuotaHasVisits,
    QuotaMaxBelowFree,
    TariffUnknown,
    WindowExists,
)
from civicard.access.models import (
    Checkpoint,
    CheckpointKind,
    DoorGroup,
    Facility,
    FacilityKind,
    Quota,
    TimeWindow,
)
from civicard.core import audit, opening_hours
from civicard.core.errors import DomainError, InvalidInput
from civicard.core.permissions import Role, check_role_over
from civicard.people.models import Person
from civicard.wallets.models import Service, Tariff


def one_line(text: str | None, limit: int = 120) -> str:
    return " ".join((text or "").split())[:limit]


def check_manages(actor, *commune_ids) -> None:
    for commune_id in set(commune_ids):
        check_role_over(actor, Role.SERVICE_MANAGER, commune_id=commune_id)


def _on(field: str, error: DomainError) -> DomainError:
    """The error, shown on `field` of the form."""
    error.fields = {field: [error.text()]}
    return error


def _check_choice(field: str, value, choices) -> None:
    if value not in choices:
        raise _on(field, InvalidInput())


def _check_tariff(service: Service, use: str, field: str) -> None:
    """A charge needs a tariff of that use, when the service takes payments at all."""
    if service.has_wallet and not Tariff.objects.filter(service=service, use=use).exists():
        raise _on(field, TariffUnknown(service=service.name, use=use))


def _check_hours(expression: str, country: str) -> None:
    if country and opening_hours.parse("24/7", country) is None:
        raise _on("country", CountryUnknown())
    near = opening_hours.unreadable_part(expression)
    if near is not None:
        raise _on("opening_hours", OpeningHoursInvalid(near=near))


def save_facility(*, facility: Facility | None = None, territory, name: str, kind: str,
                  commune, actor, at: datetime) -> Facility:
    """Create a place (no `facility`) or change one."""
    check_manages(actor, getattr(commune, "pk", None),
                   *([facility.commune_id] if facility else []))
    name = one_line(name)
    if not name:
        raise _on("name", NameEmpty())
    _check_choice("kind", kind, FacilityKind.values)
    created = facility is None
    facility = facility or Facility(territory=territory)
    facility.name, facility.kind, facility.commune = name, kind, commune
    try:
        with transaction.atomic():
            facility.save()
            audit.record(actor=actor, action="facility.created" if created else
                         "facility.changed", obj=facility, at=at,
                         extra={"name": name, "commune": getattr(commune, "pk", None)})
    except IntegrityError:
        raise _on("name", PlaceNameTaken()) from None
    return facility


def save_checkpoint(*, checkpoint: Checkpoint | None = None, facility: Facility, name: str,
                    kind: str, service: Service | None, opening_hours: str, country: str,
                    charge_use: str, passback_seconds: int | None, actor,
                    at: datetime) -> Checkpoint:
    """Create a checkpoint of `facility` (no `checkpoint`) or change one."""
    check_manages(actor, facility.commune_id,
                   *([service.commune_id] if service and service.commune_id else []))
    name = one_line(name)
    if not name:
        raise _on("name", NameEmpty())
    _check_choice("kind", kind, CheckpointKind.values)
    expression, country = one_line(opening_hours, 255), (country or "").strip().upper()
    _check_hours(expression, country)
    charge_use = (charge_use or "").strip()
    if charge_use and service is None:
        raise _on("charge_use", ChargeWithoutService())
    if charge_use:
        _check_tariff(service, charge_use, "charge_use")
    if passback_seconds is not None and passback_seconds < 1:
        raise _on("passback_seconds", InvalidInput())
    created = checkpoint is None
    checkpoint = checkpoint or Checkpoint(facility=facility)
    for field, value in {"name": name, "kind": kind, "service": service,
                         "opening_hours": expression, "country": country,
                         "charge_use": charge_use, "passback_seconds": passback_seconds}.items():
        setattr(checkpoint, field, value)
    try:
        with transaction.atomic():
            checkpoint.save()
            audit.record(actor=actor, action="checkpoint.created" if created else
                         "checkpoint.changed", obj=checkpoint, at=at,
                         extra={"opening_hours": expression, "service": getattr(service, "pk",
                                                                                 None)})
    except IntegrityError:
        raise _on("name", CheckpointNameTaken()) from None
    return checkpoint


def _group_communes(group: DoorGroup) -> set:
    return (set(group.facilities.values_list("commune_id", flat=True))
            | set(group.checkpoints.values_list("facility__commune_id", flat=True)))


def _check_group(actor, group: DoorGroup) -> None:
    check_manages(actor, *_group_communes(group))


def save_door_group(*, group: DoorGroup | None = None, territory, name: str, out_of_hours: bool,
                    facilities, checkpoints, actor, at: datetime) -> DoorGroup:
    """Create a staff door group (no `group`) or change its name, flag and places."""
    facilities, checkpoints = list(facilities), list(checkpoints)
    check_manages(actor, *[f.commune_id for f in facilities],
                   *[c.facility.commune_id for c in checkpoints],
                   *(_group_communes(group) if group else []))
    name = one_line(name)
    if not name:
        raise _on("name", NameEmpty())
    if not facilities and not checkpoints:
        raise _on("facilities", NoPlaces())
    created = group is None
    group = group or DoorGroup(territory=territory)
    group.name, group.out_of_hours = name, bool(out_of_hours)
    with transaction.atomic():
        group.save()
        group.facilities.set(facilities)
        group.checkpoints.set(checkpoints)
        audit.record(actor=actor, action="door_group.created" if created else
                     "door_group.changed", obj=group, at=at,
                     extra={"facilities": sorted(f.pk for f in facilities),
                            "checkpoints": sorted(c.pk for c in checkpoints),
                            "out_of_hours": group.out_of_hours})
    return group


def _window_extra(window: TimeWindow) -> dict:
    return {"weekday": window.weekday, "starts": f"{window.starts:%H:%M}",
            "ends": f"{window.ends:%H:%M}"}


def add_window(*, group: DoorGroup, weekday: int, starts, ends, actor,
               at: datetime) -> TimeWindow:
    """A weekly window; one whose end is not after its start runs past midnight."""
    _check_group(actor, group)
    _check_choice("weekday", weekday, range(7))
    with transaction.atomic():
        if group.windows.filter(weekday=weekday, starts=starts, ends=ends).exists():
            raise WindowExists()
        window = TimeWindow.objects.create(group=group, weekday=weekday, starts=starts,
                                           ends=ends)
        audit.record(actor=actor, action="door_group.window_added", obj=group, at=at,
                     extra=_window_extra(window))
    return window


def remove_window(*, window: TimeWindow, actor, at: datetime) -> None:
    _check_group(actor, window.group)
    with transaction.atomic():
        audit.record(actor=actor, action="door_group.window_removed", obj=window.group, at=at,
                     extra=_window_extra(window))
        window.delete()


def add_member(*, group: DoorGroup, person: Person, actor, at: datetime) -> None:
    _check_group(actor, group)
    try:
        with transaction.atomic():
            if group.members.filter(pk=person.pk).exists():
                raise AlreadyMember(name=person.full_name)
            group.members.add(person)
            audit.record(actor=actor, action="door_group.member_added", obj=group, at=at,
                         extra={"person": person.pk})
    except IntegrityError:  # added at the same moment by someone else
        raise AlreadyMember(name=person.full_name) from None


def remove_member(*, group: DoorGroup, person: Person, actor, at: datetime) -> None:
    _check_group(actor, group)
    with transaction.atomic():
        if not group.members.filter(pk=person.pk).exists():
            raise NotMember(name=person.full_name)
        group.members.remove(person)
        audit.record(actor=actor, action="door_group.member_removed", obj=group, at=at,
                     extra={"person": person.pk})


def delete_door_group(*, group: DoorGroup, actor, at: datetime) -> None:
    """Delete a group, its windows and its staff list: its staff no longer open its doors, and
    terminals get a full allow-list at their next update (civicard.access.signals)."""
    _check_group(actor, group)
    with transaction.atomic():
        audit.record(actor=actor, action="door_group.deleted", obj=group, at=at,
                     extra={"name": group.name,
                            "members": sorted(group.members.values_list("pk", flat=True))})
        group.delete()


def _check_not_in_groups(name: str, groups) -> None:
    names = sorted(groups.values_list("name", flat=True))
    if names:
        raise OpenedByGroups(name=name, groups=", ".join(names))


def delete_facility(*, facility: Facility, actor, at: datetime) -> None:
    """Delete a place created by mistake: one without checkpoints nor door groups opening it."""
    check_manages(actor, facility.commune_id)
    with transaction.atomic():
        if facility.checkpoints.exists():
            raise PlaceHasCheckpoints(name=facility.name)
        _check_not_in_groups(facility.name, facility.door_groups)
        audit.record(actor=actor, action="facility.deleted", obj=facility, at=at,
                     extra={"name": facility.name})
        facility.delete()


def delete_checkpoint(*, checkpoint: Checkpoint, actor, at: datetime) -> None:
    """Delete a checkpoint created by mistake: one that no terminal was registered to, with no
    decision in the log, that no door group opens. One with a history is closed instead."""
    check_manages(actor, checkpoint.facility.commune_id)
    with transaction.atomic():
        if checkpoint.terminals.exists() or checkpoint.decisions.exists():
            raise CheckpointHasHistory(name=checkpoint.name)
        _check_not_in_groups(checkpoint.name, checkpoint.door_groups)
        audit.record(actor=actor, action="checkpoint.deleted", obj=checkpoint, at=at,
                     extra={"name": checkpoint.name, "facility": checkpoint.facility_id})
        checkpoint.delete()


def delete_quota(*, quota: Quota, actor, at: datetime) -> None:
    """Delete a quota that has counted no visit yet: its service's entries are no longer
    counted."""
    check_manages(actor, quota.service.commune_id)
    with transaction.atomic():
        if quota.counters.filter(used__gt=0).exists():
            raise QuotaHasVisits()
        audit.record(actor=actor, action="quota.deleted", obj=quota, at=at,
                     extra={"service": quota.service_id, "free_per_year": quota.free_per_year,
                            "max_per_year": quota.max_per_year})
        quota.counters.all().delete()
        quota.delete()


def save_quota(*, quota: Quota | None = None, service: Service, free_per_year: int,
               max_per_year: int, charge_use: str, actor, at: datetime) -> Quota:
    """Create a service's yearly quota (no `quota`) or change it; its service stays."""
    service = quota.service if quota else service
    check_manages(actor, service.commune_id)
    charge_use = (charge_use or "").strip()
    if free_per_year < 0:
        raise _on("free_per_year", InvalidInput())
    if max_per_year < free_per_year:
        raise _on("max_per_year", QuotaMaxBelowFree())
    if not charge_use:
        raise _on("charge_use", InvalidInput())
    _check_tariff(service, charge_use, "charge_use")
    created = quota is None
    quota = quota or Quota(service=service)
    quota.free_per_year, quota.max_per_year, quota.charge_use = (free_per_year, max_per_year,
                                                                 charge_use)
    try:
        with transaction.atomic():
            quota.save()
            audit.record(actor=actor, action="quota.created" if created else "quota.changed",
                         obj=quota, at=at, extra={"free": free_per_year, "max": max_per_year,
                                                  "charge_use": charge_use})
    except IntegrityError:
        raise _on("service", QuotaExists()) from None
    return quota
