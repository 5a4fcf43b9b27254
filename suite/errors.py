"""The one exception type the CLI turns into a single line and exit code 2."""


class SuiteError(ValueError):
    """Bad input or configuration, with a message that says how to fix it.

    Subclasses `ValueError` so library users can catch either. The message is
    one line: what was given, what was expected, and what to do.
    """
