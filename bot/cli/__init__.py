"""The `interviewer` command line: the main app (`bot.cli.main`) and one module per command group.

Commands import what they run inside their own function, a deliberate exception to module-level imports:
`interviewer --help`, a mistyped option or `study check` then answer at once, without loading SQLAlchemy,
the Slack and Discord clients, the anthropic SDK or the analysis stack they do not use.
"""
