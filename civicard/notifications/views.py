from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from civicard.core import clock
from civicard.notifications import operations
from civicard.notifications.queries import inbox_of


@login_required
def inbox(request):
    return render(request, "notifications/inbox.html",
                  {"notifications": inbox_of(request.resident)})


@require_POST
@login_required
def mark_read(request, pk):
    if request.resident is not None:
        operations.mark_read(person=request.resident, notification_id=pk, at=clock.now())
    return redirect("notifications:inbox")
