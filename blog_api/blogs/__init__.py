"""blogs domain."""
