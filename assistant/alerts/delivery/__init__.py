"""Delivery of alert notifications from the outbox: the app's inbox, Slack, and the webhooks of
Feishu/Lark, DingTalk, WeCom, Microsoft Teams and any signed receiver. One small module per
channel; `worker` claims, sends, retries with backoff and never drops a row."""

from assistant.alerts.delivery.base import DeliveryContext, DeliveryError, Notification, Sender
from assistant.alerts.delivery.worker import (
           DeliveryReport,
           backoff,
           default_senders,
           deliver_pending,
           failed_deliveries,
)

__all__ = ["DeliveryContext", "DeliveryError", "DeliveryReport", "Notification", "Sender", "backoff",
           "default_senders", "deliver_pending", "failed_deliveries"]
