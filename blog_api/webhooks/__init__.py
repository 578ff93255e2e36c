"""Outbound webhooks: endpoints, signed deliveries from the event stream, the delivery log."""
