from django.contrib import admin

from civicard.moderation.models import ModerationSettings


@admin.register(ModerationSettings)
class ModerationSettingsAdmin(admin.ModelAdmin):
    list_display = ("territory", "auto_hide_threshold")
