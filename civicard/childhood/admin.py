"""Set-up of activities for administrators; attendance and billing are read-only here (they
change only through operations: bookings, roll-call, closing a month)."""

from django.contrib import admin

from civicard.childhood.models import (
    Activity,
    BilledLine,
    NurseryFloor,
    RollCallPoint,
    Statement,
    Unit,
    UnitPrice,
)


class UnitInline(admin.TabularInline):
    model = Unit
    extra = 0
    fields = ("name", "capacity", "pricing", "planned_minutes")


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "commune", "season_starts_on", "season_ends_on", "places")
    list_filter = ("kind", "commune")
    inlines = [UnitInline]


class UnitPriceInline(admin.TabularInline):
    model = UnitPrice
    extra = 0


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("name", "activity", "capacity", "pricing")
    filter_horizontal = ("incompatible",)
    inlines = [UnitPriceInline]


admin.site.register(RollCallPoint)
admin.site.register(NurseryFloor)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Statement)
class StatementAdmin(ReadOnlyAdmin):
    list_display = ("period", "household", "total_cents", "entry", "refused_code")


@admin.register(BilledLine)
class BilledLineAdmin(ReadOnlyAdmin):
    list_display = ("reservation", "statement", "state", "amount_cents")
