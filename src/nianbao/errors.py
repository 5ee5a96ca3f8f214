"""The kit's own exceptions: one base class carrying the command's exit code.

Every exception the kit raises on purpose has a message written for people (in
Chinese); ``cli.main`` prints it and exits with the class's ``exit_code`` -- the
one place exceptions become exit codes.  Anything else is a bug and goes to the
support log.
"""

from __future__ import annotations

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # the shell's code for Ctrl-C (128 + SIGINT)


class NianbaoError(Exception):
    """A failure the kit words itself; ``exit_code`` is what the command returns."""

    exit_code: int = EXIT_FINDINGS
