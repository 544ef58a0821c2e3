"""Each user's preferences page: page size and theme."""
