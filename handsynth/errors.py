"""Error classes: ``UserError`` (one clear line and exit status 2 at the command line) and the specific
ValueErrors core layers raise when a bounded sampler finds nothing; imports nothing."""


class UserError(Exception):
    """A mistake in what the user asked for (unknown name, bad number, unreadable path).

    The command line prints ``str(error)`` as one line and exits with status 2. The message names the
    bad value and, where there is a finite set, the valid choices. Bugs are never UserErrors.
    """


class SamplingError(ValueError):
    """A bounded rejection sampler found no acceptable draw: its arguments admit (almost) none.

    Raised by core layers (scene sampling, grasp synthesis) for arguments that are valid one by one but
    leave nothing to draw; the pre-flight of a run turns it into a ``UserError`` naming the config keys.
    """


class UngraspableError(SamplingError):
    """No grasp candidate was accepted on any object drawn from the given families.

    Attributes:
        families: the family names that were drawn from.
        rejected: candidates rejected per reason (``SynthesisStats.rejected``; ``"grip"``: geometrically
            sound grasps that did not hold in the grip simulation).
    """

    def __init__(self, message: str, families: tuple[str, ...] = (), rejected: dict | None = None) -> None:
        super().__init__(message)
        self.families = tuple(families)
        self.rejected = dict(rejected or {})
