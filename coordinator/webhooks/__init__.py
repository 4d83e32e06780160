"""Webhooks: admins register endpoints; domain events become signed, retried deliveries."""
