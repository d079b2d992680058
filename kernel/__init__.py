"""The kernel both halves stand on: the claim schema, errors, atomic I/O, article
loading, the run-directory format and the extraction settings. It imports nothing
else of the project."""
