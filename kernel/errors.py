"""User-facing errors: the CLI prints their one-line message and exits 2, no traceback."""


class UserError(Exception):
    """A mistake in the user's input or options; the message names the file and the problem."""


class JobStop(Exception):
    """Stop the whole job cleanly: what finished is kept and the same command resumes.

    ``status`` goes into the manifest, ``exit_code`` is what the command exits with
    (1: the result is incomplete, 2: the job could not run, e.g. the server is gone)."""

    status = "stopped"
    exit_code = 1
