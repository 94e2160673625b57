"""A real CAS server for the tests: django-cas-server in its own Django process
(own settings, urls and SQLite database), started by the `cas_server` fixture."""
