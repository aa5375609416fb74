from django.contrib import admin

from civicard.notifications.models import Delivery, Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "person", "kind", "subject", "read_at")
    list_filter = ("kind",)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "channel", "to", "status", "attempts")
    list_filter = ("status", "channel")
