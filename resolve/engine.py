"""The one seam between the stages and the SQL engine.

Stages hand SQL and Arrow/pandas frames to an ``Engine``; only this module knows it is DuckDB.
Identifiers from a user's config reach SQL only through ``quote_ident`` and values only as
parameters.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pandas as pd


def quote_ident(name: str) -> str:
    """Quote an identifier (source or column name) for SQL."""
    return '"' + str(name).replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


class Engine:
    """An embedded DuckDB database holding every stage's tables."""

    dialect = "duckdb"

    def __init__(self, path: str | Path = ":memory:", threads: int | None = None,
                 memory_limit: str | None = None):
        self.path = str(path)
        self.con = duckdb.connect(self.path)
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        if memory_limit:
            self.con.execute(f"SET memory_limit = {quote_literal(memory_limit)}")
        self.con.execute("SET preserve_insertion_order = false")

    def execute(self, sql: str, params: list[Any] | None = None) -> None:
        self.con.execute(sql, params or []).fetchall()

    def fetchall(self, sql: str, params: list[Any] | None = None) -> list[tuple]:
        return self.con.execute(sql, params or []).fetchall()

    def scalar(self, sql: str, params: list[Any] | None = None) -> Any:
        rows = self.fetchall(sql, params)
        return rows[0][0] if rows else None

    def df(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        return self.con.execute(sql, params or []).df()

    def create_table(self, name: str, sql: str, params: list[Any] | None = None) -> None:
        self.execute(f"CREATE OR REPLACE TABLE {quote_ident(name)} AS {sql}", params)

    def create_table_from_frame(self, name: str, frame) -> None:
        """Materialise a pandas DataFrame or Arrow table as a table."""
        self._from_frame(f"CREATE OR REPLACE TABLE {quote_ident(name)} AS SELECT * FROM _resolve_frame", frame)

    def _from_frame(self, sql: str, frame) -> None:
        if isinstance(frame, pd.DataFrame):  # pandas extension dtypes convert slowly; Arrow does not
            import pyarrow as pa

            frame = pa.Table.from_pandas(frame, preserve_index=False)
        self.con.register("_resolve_frame", frame)
        try:
            self.execute(sql)
        finally:
            self.con.unregister("_resolve_frame")

    def has_table(self, name: str) -> bool:
        return bool(self.scalar(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ? AND table_schema = 'main' "
            "AND table_catalog = current_database()", [name]))

    def attach(self, path: str | Path, alias: str) -> None:
        """Attach another database file, read-only, as ``alias`` (a previous registry)."""
        self.execute(f"ATTACH {quote_literal(str(path))} AS {quote_ident(alias)} (READ_ONLY)")

    def tables(self) -> list[str]:
        return [r[0] for r in self.fetchall(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "AND table_catalog = current_database() AND table_type = 'BASE TABLE' ORDER BY table_name")]

    def drop(self, name: str) -> None:
        self.execute(f"DROP TABLE IF EXISTS {quote_ident(name)}")
        self.execute(f"DROP VIEW IF EXISTS {quote_ident(name)}")

    def persist(self, path: str | Path, skip_prefixes: tuple[str, ...] = ("__splink", "tmp_")) -> list[str]:
        """Write every table of this workspace into a new database file at ``path``.

        Stages work in memory, where DuckDB writes a table several times faster than to a
        file; the registry file is written once, at the end, with what is worth keeping.
        """
        self.execute(f"ATTACH {quote_literal(str(path))} AS registry_out")
        kept = [t for t in self.tables() if not t.startswith(skip_prefixes)]
        try:
            for table in kept:
                self.execute(f"CREATE TABLE registry_out.{quote_ident(table)} AS SELECT * FROM main.{quote_ident(table)}")
        finally:
            self.execute("DETACH registry_out")
        return kept

    def splink_api(self):
        """The Splink database API bound to this engine's connection."""
        from splink import DuckDBAPI

        return DuckDBAPI(connection=self.con)

    def close(self) -> None:
        self.con.close()
