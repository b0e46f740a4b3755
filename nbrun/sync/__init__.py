"""Online mode: runs of the embedded store synced to an MLflow tracking server.

Layer rule: imports the sdk and the store, never the notebook, widgets or server layers.
"""
