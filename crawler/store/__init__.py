"""Writing the archive: export layout, durable writer, tail repair, run lock, verify, provenance."""
