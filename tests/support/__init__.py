"""Test-only helpers that start real services (redis-server) on loopback ports."""
