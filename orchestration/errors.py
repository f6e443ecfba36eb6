"""Errors that stop a run. Each one leaves the published warehouse unchanged."""


class PipelineError(Exception):
    """A run that stopped; the message says what to fix."""


class BuildFailed(PipelineError):
    """dbt failed (a model errored or a dbt test failed); the message lists what failed."""
