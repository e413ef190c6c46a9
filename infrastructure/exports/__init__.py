"""Documents the product writes for people to fill in or read (the import template)."""
