"""Browser tests of the JupyterLab sidebar (a package, so that its conftest does not shadow
tests/conftest.py)."""
