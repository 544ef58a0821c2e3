"""The hostile-input catalogue: every route of the URL map × hostile values in every parameter × four roles.

``values.py`` holds the hostile values by kind, ``probes.py`` turns each route into the
requests that carry them, ``checks.py`` says what every answer must be, and
``test_catalogue.py`` runs the lot on both databases (see its docstring for what is asserted).
"""
