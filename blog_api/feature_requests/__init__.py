"""feature requests domain."""
