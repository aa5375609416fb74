"""Territory settings and reference data. Requests to the town and vulnerable-person reports are
deliberately not in the admin: they are read through the audited social-services pages only."""

from django.contrib import admin

from civicard.mutualaid.models import Association, Category, MutualAidSettings, Post


@admin.register(MutualAidSettings)
class MutualAidSettingsAdmin(admin.ModelAdmin):
    list_display = ("territory", "post_lifetime_days", "report_retention_days")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "label", "icon", "order", "is_active")
    list_editable = ("order", "is_active")


@admin.register(Association)
class AssociationAdmin(admin.ModelAdmin):
    list_display = ("name", "neighbourhood")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("editors", "categories")
    search_fields = ("name",)


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "category", "neighbourhood", "status", "origin",
                    "created_at")
    list_filter = ("status", "kind", "origin", "category")
    search_fields = ("title",)
    raw_id_fields = ("author", "contact")
    readonly_fields = ("created_at",)
