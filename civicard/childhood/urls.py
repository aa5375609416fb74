from django.urls import path

from civicard.childhood import views

app_name = "childhood"
urlpatterns = [
    path("", views.family, name="family"),
    path("child/<int:pk>/", views.week, name="week"),
    path("child/<int:pk>/book/", views.book, name="book"),
    path("child/<int:pk>/enrol/", views.enrol, name="enrol"),
    path("nursery-rate/", views.nursery_rate, name="nursery_rate"),
    path("invoices/", views.my_invoices, name="my_invoices"),
    path("invoices/<int:pk>.pdf", views.my_invoice_pdf, name="my_invoice_pdf"),
    path("invoices/<int:pk>/pay/", views.pay_invoice, name="pay_invoice"),
    path("staff/invoices/", views.staff_invoices, name="staff_invoices"),
    path("staff/invoices/<int:pk>/", views.staff_invoice, name="staff_invoice"),
    path("staff/invoices/<int:pk>.pdf", views.staff_invoice_pdf, name="staff_invoice_pdf"),
    path("staff/", views.staff, name="staff"),
    path("staff/day/<int:pk>/", views.roll_call, name="roll_call"),
    path("staff/day/<int:pk>/marks/", views.roll_call_marks, name="roll_call_marks"),
    path("staff/activity/<int:pk>/", views.activity, name="activity"),
    path("staff/statement/<int:pk>/charge/", views.charge_again, name="charge_again"),
]
