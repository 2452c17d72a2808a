"""The fake Messages API answering as an analyst would, as `fake` (for `eval.evaluate --mode claude`)."""

from tests.support.claude_analysis import analyst_fake as fake  # noqa: F401  (the `fake` fixture)
