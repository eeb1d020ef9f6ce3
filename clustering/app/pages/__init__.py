"""One module per page of the app: layout() and, for interactive pages, register()."""
