"""Errors a user can act on: the CLI prints them as `Error: ...` without a traceback."""


class ResolveError(Exception):
    """A problem with the user's input, config or registry that they can fix."""


class ConfigError(ResolveError):
    """One or more problems in a config file; each names the file, line and fix."""

    def __init__(self, problems: list[str]):
        self.problems = sorted(problems, key=_line_of)
        super().__init__("\n".join(problems))


def _line_of(problem: str) -> int:
    parts = problem.split(":", 2)
    return int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else 0
