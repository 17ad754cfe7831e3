"""Settings modules: ``base`` (shared), ``dev`` (default), ``test`` and ``production``."""
