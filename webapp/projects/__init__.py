"""Projects, their specifications and bullet items: declared in declarations.py, served by webapp.resources."""
