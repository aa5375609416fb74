from django.contrib import admin

from civicard.territory.models import Address, Commune, IncomeBracket, Neighbourhood, Territory


class CommuneInline(admin.TabularInline):
    model = Commune
    extra = 0


@admin.register(Territory)
class TerritoryAdmin(admin.ModelAdmin):
    list_display = ("name", "currency", "default_language", "time_zone")
    inlines = [CommuneInline]


@admin.register(Neighbourhood)
class NeighbourhoodAdmin(admin.ModelAdmin):
    list_display = ("name", "commune", "is_priority", "qpv_code", "population")
    list_filter = ("commune", "is_priority")


admin.site.register(Commune)
admin.site.register(IncomeBracket)
admin.site.register(Address)
