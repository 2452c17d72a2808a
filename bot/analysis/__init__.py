"""Analysis of interview transcripts: themes, coded prevalence, quotes, emotions, survey statistics, report.

The data passed between stages is defined in `bot.analysis.model`; each stage is its own module.
"""
