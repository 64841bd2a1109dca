"""The desk's policy documents: the files shipped here (version 0) and the numbered versions admins save.

Owns which documents exist, their one validation each (the loaders' own parsers), saving a new
version with its audit, rolling back, and reading the active version with a short cache.
"""
