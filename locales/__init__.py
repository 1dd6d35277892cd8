"""User-facing texts (gettext .po, one file per domain and language) and vocabularies."""
