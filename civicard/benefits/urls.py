from django.urls import path

from civicard.benefits import views

app_name = "benefits"
urlpatterns = [
    path("me/benefits/", views.my_benefits, name="mine"),
    path("benefits/venue/", views.desk, name="desk"),
    path("benefits/venue/redeem/", views.redeem, name="redeem"),
    path("benefits/venue/undo/<int:pk>/", views.undo, name="undo"),
    path("benefits/venue/statements/", views.venue_statements, name="venue_statements"),
    path("benefits/booklets/", views.booklets, name="booklets"),
    path("benefits/booklets/<int:pk>/", views.booklet, name="booklet"),
    path("benefits/booklets/<int:pk>/cancel/", views.cancel_booklet, name="cancel_booklet"),
    path("benefits/booklets/<int:pk>/print.pdf", views.booklet_pdf, name="booklet_pdf"),
    path("benefits/dashboard/", views.dashboard, name="dashboard"),
    path("benefits/programmes/<int:pk>/statements/", views.issue_statements,
         name="issue_statements"),
    path("benefits/programmes/<int:pk>/payments-<str:month>.csv", views.payments_csv,
         name="payments_csv"),
    path("benefits/programmes/<int:pk>/batches/", views.create_batch, name="create_batch"),
    path("benefits/batches/<int:pk>/print.pdf", views.batch_pdf, name="batch_pdf"),
    path("benefits/statements/<int:pk>.csv", views.statement_csv, name="statement_csv"),
    path("benefits/statements/<int:pk>.pdf", views.statement_pdf, name="statement_pdf"),
]
