"""Development and test tooling: the private PostgreSQL cluster and Redis under instance/, used by `make`,
the tests and the benchmarks. It may import the portal (the paths the app reads come from portal.config); the
portal never imports it."""
