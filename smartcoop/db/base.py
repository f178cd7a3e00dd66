"""PostgreSQL backend that starts the embedded server on the first connection.

Used only when DATABASE_URL is unset. Everything else is Django's own psycopg 3 backend; the one
difference is that connection parameters come from the running embedded server (its socket
directory is only known once it runs).
"""

from typing import Any

from django.db.backends.postgresql import base

from smartcoop import embedded


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        endpoint = embedded.ensure_postgres()
        params: dict[str, Any] = super().get_connection_params()
        params["host"] = endpoint.socket_dir
        params["port"] = endpoint.port
        return params
