"""media domain."""
