"""The catalogue domain: format, validation, storage, places and search. Never imports telegram."""
