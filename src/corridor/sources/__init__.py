"""One module per source: request building / file plans and parsing into canonical rows."""
