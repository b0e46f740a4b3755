"""Integrations that a run joins through the plugin seam (``nbrun/sdk/plugins.py``):
``sync_tensorboard`` (``tensorboard``) and ``monitor_gym`` (``gym``). Each is imported only when a
run asks for it, and it patches nothing and imports no framework until then."""
