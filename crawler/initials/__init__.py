"""Reporter initials resolved from the portal's own bylines, and their sidecar files."""
