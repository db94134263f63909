"""User-facing errors: one clear line and exit status 2 at the command line; imports nothing."""


class UserError(Exception):
    """A mistake in what the user asked for (unknown name, bad number, unreadable path).

    The command line prints ``str(error)`` as one line and exits with status 2. The message names the
    bad value and, where there is a finite set, the valid choices. Bugs are never UserErrors.
    """
