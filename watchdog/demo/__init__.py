"""Data for `watchdog demo`: the sample fleet served by the bundled fake Endpoints API."""
