"""The adapters: Telegram, the terminal chat and the command line, over the catalog core."""
