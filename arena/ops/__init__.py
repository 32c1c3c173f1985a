"""Running the arena: Prometheus metrics (``metrics``), readiness (``readiness``) and the
log format (``logs``). The routes that serve them are ``arena.api.ops``."""
