from django.contrib import admin

from civicard.access.models import (
    Checkpoint,
    Decision,
    DoorGroup,
    Facility,
    Quota,
    Terminal,
    TimeWindow,
)


class CheckpointInline(admin.TabularInline):
    model = Checkpoint
    extra = 0


@admin.register(Facility)
class FacilityAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "commune"]
    inlines = [CheckpointInline]


@admin.register(Checkpoint)
class CheckpointAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "service", "opening_hours", "charge_use",
                    "passback_seconds"]
    list_select_related = ["facility", "service"]


class TimeWindowInline(admin.TabularInline):
    model = TimeWindow
    extra = 1


@admin.register(DoorGroup)
class DoorGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "out_of_hours"]
    filter_horizontal = ["facilities", "checkpoints", "members"]
    inlines = [TimeWindowInline]


@admin.register(Quota)
class QuotaAdmin(admin.ModelAdmin):
    list_display = ["service", "free_per_year", "max_per_year", "charge_use"]


@admin.register(Terminal)
class TerminalAdmin(admin.ModelAdmin):
    list_display = ["name", "checkpoint", "last_seen_at", "software_version", "revoked_at"]
    readonly_fields = ["token_hash", "token_hint", "registered_at", "registered_by",
                       "last_seen_at", "software_version", "revoked_at"]

    def has_add_permission(self, request):
        return False  # registration shows the token once: use the Access page


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    list_display = ["at", "checkpoint", "person", "outcome", "reason_code", "via"]
    list_filter = ["outcome", "reason_code", "via"]
    list_select_related = ["checkpoint__facility", "person"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
