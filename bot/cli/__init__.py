"""The `interviewer` command line: the main app and one module per command group."""
