from django.contrib import admin

from civicard.cards.models import Card, CardEvent


class CardEventInline(admin.TabularInline):
    model = CardEvent
    extra = 0
    can_delete = False
    readonly_fields = ("at", "actor", "action", "detail")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Card)
class CardAdmin(admin.ModelAdmin):
    list_display = ("number", "person", "kind", "purpose", "status", "expires_on")
    list_filter = ("kind", "purpose", "status")
    search_fields = ("number", "person__full_name")
    exclude = ("uid_hash", "secret")
    readonly_fields = ("number", "uid_hint", "issued_at", "activated_at", "blocked_at",
                       "replaces")
    raw_id_fields = ("person",)
    inlines = [CardEventInline]
