"""Alerts: rules on metrics, their evaluation under the owner's access scope, incidents kept in a
state database, and notifications delivered once through an outbox."""
