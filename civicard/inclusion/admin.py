from django.contrib import admin

from civicard.inclusion.models import (
    Actor,
    Goal,
    Initiative,
    Mediator,
    OfficeHours,
    OfficeHoursChange,
    Place,
    PlaceVersion,
)


class VersionInline(admin.TabularInline):
    model = PlaceVersion
    extra = 0
    can_delete = False
    readonly_fields = ("at", "source", "actor", "note", "data")


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ("nom", "commune", "standard_id", "status", "accepts_pass_numerique",
                    "date_maj")
    list_filter = ("status", "accepts_pass_numerique", "commune")
    search_fields = ("nom", "standard_id", "commune")
    raw_id_fields = ("neighbourhood",)
    inlines = [VersionInline]


class InitiativeInline(admin.StackedInline):
    model = Initiative
    extra = 0
    filter_horizontal = ("places",)


@admin.register(Actor)
class ActorAdmin(admin.ModelAdmin):
    list_display = ("name", "kind")
    filter_horizontal = ("places",)
    inlines = [InitiativeInline]


class ChangeInline(admin.TabularInline):
    model = OfficeHoursChange
    extra = 0


@admin.register(OfficeHours)
class OfficeHoursAdmin(admin.ModelAdmin):
    list_display = ("mediator", "place", "weekday", "weeks_of_month", "start_time", "end_time")
    inlines = [ChangeInline]


@admin.register(Mediator)
class MediatorAdmin(admin.ModelAdmin):
    list_display = ("display_name", "user")
    raw_id_fields = ("user",)


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin):
    list_display = ("name", "percent", "years", "start_date")
    filter_horizontal = ("neighbourhoods",)
