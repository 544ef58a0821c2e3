"""Business rules as plain functions, shared by the HTMX pages, the back office and the CLI."""
