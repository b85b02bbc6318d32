"""Use cases that combine the core with the adapters: a sweep of the fleet, alert delivery, endpoint sessions."""
