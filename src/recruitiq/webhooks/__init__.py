"""Webhook subscriptions, signing, SSRF guard, delivery and the dispatcher."""
