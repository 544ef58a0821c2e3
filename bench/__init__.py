"""The benchmark: seeds a big project table, serves the real app with gunicorn, drives it with wrk."""
