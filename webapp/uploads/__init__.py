"""Image uploads: checking and cleaning images, storage backends, image fields, and their views."""
