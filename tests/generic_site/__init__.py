"""A small generic news portal served on 127.0.0.1 for the generic spider's end-to-end tests."""
