"""User-facing errors: the CLI prints their one-line message and exits 2, no traceback."""


class UserError(Exception):
    """A mistake in the user's input or options; the message names the file and the problem."""
