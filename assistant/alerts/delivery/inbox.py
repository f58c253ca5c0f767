"""`user:<name>`: the app's inbox, a table in the state database. Idempotent on the outbox row:
a retry after a crash between "written to the inbox" and "marked delivered" finds its row and
writes nothing, so a notification shows once however often it is delivered."""

from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from assistant.alerts.delivery.base import DeliveryContext, DeliveryError, Notification
from assistant.alerts.store import inbox, utcnow

__all__ = ["send"]


def send(note: Notification, ctx: DeliveryContext) -> None:
    if not note.target:
        raise DeliveryError("inbox: no user named", "收件箱：未指定用户")
    try:
        with ctx.store.begin() as conn:
            if conn.execute(select(inbox.c.id).where(inbox.c.outbox_id == note.outbox_id)).first() is not None:
                return
            conn.execute(insert(inbox).values(
                user=note.target, outbox_id=note.outbox_id, title=note.title, text=note.text,
                link=note.link or None, created_at=utcnow()))
    except IntegrityError:
        return  # a concurrent delivery of the same row won the UNIQUE(outbox_id) race: delivered
