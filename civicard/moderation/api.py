from ninja import Router, Schema
from ninja.responses import Status
from ninja.security import django_auth

from civicard.core import clock
from civicard.core.errors import NotFound
from civicard.core.validation import Id, Text
from civicard.moderation import operations, queries

router = Router(tags=["moderation"], auth=django_auth)


class ReportIn(Schema):
    kind: Text
    object_id: Id
    reason: Text
    note: Text = ""


class CreatedOut(Schema):
    id: int


class QueueRow(Schema):
    kind: str
    object_id: int
    reports: int


@router.post("/reports", response={201: CreatedOut}, summary="Report a content to moderators")
def report(request, payload: ReportIn):
    if request.resident is None:
        raise NotFound()
    made = operations.report_content(kind=payload.kind, object_id=payload.object_id,
                                     reporter=request.resident, reason=payload.reason,
                                     note=payload.note, actor=request.user, at=clock.now())
    return Status(201, {"id": made.pk})


@router.get("/queue", response=list[QueueRow], summary="Reported contents (moderators only)")
def queue(request):
    return [{"kind": r["kind"], "object_id": r["object_id"], "reports": r["reports"]}
            for r in queries.queue(request.user)["reported"]]
