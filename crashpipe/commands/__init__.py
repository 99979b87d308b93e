"""One module per sub-command; see crashpipe.cli."""
