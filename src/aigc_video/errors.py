"""The project's own errors: bad input is told apart from internal failures."""


class InputError(ValueError):
    """Bad input from the user: the message names the value and the limit.

    The CLI maps it to exit status 2, the web API to HTTP 422.
    """


class DependencyMissing(RuntimeError):
    """An optional tool or package the request needs is not installed."""
