"""`make bench`: benchmarks that print figures (not pass/fail)."""
