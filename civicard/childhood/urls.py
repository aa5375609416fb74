from django.urls import path

from civicard.childhood import views

app_name = "childhood"
urlpatterns = [
    path("", views.family, name="family"),
    path("child/<int:pk>/", views.week, name="week"),
    path("child/<int:pk>/book/", views.book, name="book"),
    path("child/<int:pk>/enrol/", views.enrol, name="enrol"),
    path("enrolment/<int:pk>/", views.enrolment, name="enrolment"),
    path("enrolment/<int:pk>/term/charge/", views.charge_term, name="charge_term"),
    path("document/<int:pk>/", views.document, name="document"),
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
    path("staff/enrolment/<int:pk>/", views.staff_enrolment, name="staff_enrolment"),
    path("staff/enrolment/<int:pk>/contract/", views.contract_new, name="contract_new"),
    path("staff/contract/<int:pk>/change/", views.contract_change, name="contract_change"),
    path("staff/absence/<int:pk>/decide/", views.decide_absence, name="decide_absence"),
    path("staff/activity/new/", views.activity_setup, name="activity_new"),
    path("staff/activity/<int:pk>/setup/", views.activity_setup, name="activity_setup"),
    path("staff/kitchen/", views.kitchen, name="kitchen"),
]
