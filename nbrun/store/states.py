"""The states a stored run can be in: the values of the ``runs.state`` column."""

RUN_STATES = ("running", "finished", "failed", "crashed")
