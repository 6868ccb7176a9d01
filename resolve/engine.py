"""The one seam between the stages and the SQL engine.

Stages hand SQL and Arrow/pandas frames to an ``Engine``; only this module knows it is DuckDB.
Identifiers from a user's config reach SQL only through ``quote_ident`` and values only as
parameters.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
from pathlib import Path
from typing import Any, Callable

import duckdb
import pandas as pd


def quote_ident(name: str) -> str:
    """Quote an identifier (source or column name) for SQL."""
    return '"' + str(name).replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def date_literal(day: dt.date, years_before: float = 0) -> str:
    """``DATE 'YYYY-MM-DD'``: ``day``, or ``years_before`` years of 365.25 days before it."""
    return f"DATE '{(day - dt.timedelta(days=round(years_before * 365.25))).isoformat()}'"


def each_value(fn: Callable[[str], Any], column: str = "raw",
               out: str = "std") -> Callable[[pd.DataFrame], pd.DataFrame]:
    """For ``map_distinct``: a frame's text ``column`` and ``out``, ``fn`` of each value, both
    typed ``string`` (a one-column step such as a name or a numeral rewritten)."""
    def table(frame: pd.DataFrame) -> pd.DataFrame:
        values = frame[column].tolist()
        return pd.DataFrame({column: pd.Series(values, dtype="string"),
                             out: pd.Series([fn(v) for v in values], dtype="string")})
    return table


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

    def columns(self, sql: str, params: list[Any] | None = None) -> dict[str, Any]:
        """The result by column, each a NumPy array (for the Python loops over many rows)."""
        return self.con.execute(sql, params or []).fetchnumpy()

    def column_names(self, table: str) -> list[str]:
        """The columns of this workspace's ``table`` (never an attached registry's), in order."""
        return [r[0] for r in self.fetchall(f"SELECT column_name FROM (DESCRIBE {quote_ident(table)})")]

    def insert_rows(self, table: str, rows: list[tuple]) -> None:
        """Append Python tuples to ``table`` (its columns in order)."""
        if rows:
            marks = ", ".join("?" * len(rows[0]))
            self.con.executemany(f"INSERT INTO {quote_ident(table)} VALUES ({marks})", rows)

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

    def map_distinct(self, name: str, sql: str, func: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
        """Table ``name``: ``func`` over the distinct rows of ``sql``. The Python-only steps
        (OpenCC, pinyin, the address parts read in Python) go through here and nowhere else.
        ``func`` takes a frame of input rows and gives a frame of output rows, row by row, so any
        batch of the input gives its share of the output (Spark runs it on executors, batch by
        batch); it types its columns even when given no rows (pandas ``string``, ``bool``...)."""
        self.create_table_from_frame(name, func(self.df(f"SELECT DISTINCT * FROM ({sql})")))

    def has_table(self, name: str) -> bool:
        return bool(self.scalar(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ? AND table_schema = 'main' "
            "AND table_catalog = current_database()", [name]))

    def attach(self, path: str | Path, alias: str) -> None:
        """Attach another database file, read-only, as ``alias`` (a previous registry)."""
        self.execute(f"ATTACH {quote_literal(str(path))} AS {quote_ident(alias)} (READ_ONLY)")

    def attached_columns(self, alias: str, table: str) -> list[str]:
        """The columns of ``alias.table`` in an attached registry (none when it is not there)."""
        return [r[0] for r in self.fetchall(
            "SELECT column_name FROM information_schema.columns WHERE table_catalog = ? AND table_name = ? "
            "ORDER BY ordinal_position", [alias, table])]

    def tables(self) -> list[str]:
        return [r[0] for r in self.fetchall(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "AND table_catalog = current_database() AND table_type = 'BASE TABLE' ORDER BY table_name")]

    def drop(self, name: str) -> None:
        self.execute(f"DROP TABLE IF EXISTS {quote_ident(name)}")
        self.execute(f"DROP VIEW IF EXISTS {quote_ident(name)}")

    def persist(self, path: str | Path, skip_prefixes: tuple[str, ...] = ("__splink", "tmp_"),
                parquet: str | Path | None = None) -> list[str]:
        """Write every table of this workspace into a new database file at ``path``. (``parquet``
        is the Spark engine's: a DuckDB run writes the file alone.)

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

    def splink_settings(self, settings: dict) -> dict:
        """Splink settings as this engine runs them (the stages write them for DuckDB)."""
        return settings

    def splink_api(self):
        """The Splink database API bound to this engine's connection."""
        from splink import DuckDBAPI

        return DuckDBAPI(connection=self.con)

    def close(self) -> None:
        self.con.close()


# What sqlglot does not translate from DuckDB to Spark, rewritten here; each is tested on both
# engines (tests/test_spark.py).
# strptime's %m and %d take one or two digits; Java's M and d do, MM and dd take two
_STRFTIME_TO_JAVA = {"%Y": "yyyy", "%m": "M", "%d": "d", "%H": "H", "%M": "m", "%S": "s"}
# A macro's parameters are STRING on Spark unless named here: (macro, parameter) -> Spark type.
SPARK_MACRO_TYPES = {
    ("rs_date_struct", "d"): "DATE", ("rs_id_dated", "snapshot"): "DATE", ("rs_id_valid", "snapshot"): "DATE",
    ("rs_date_parts", "x"): "STRUCT<a: STRING, b: STRING, c: STRING>",
    **{(m, "p"): "STRUCT<y: STRING, m: STRING, d: STRING>"
       for m in ("rs_parts_ok", "rs_parts_year", "rs_parts_date", "rs_parts_ym")},
}


def _java_format(fmt: str) -> str:
    """A strptime format as a Java pattern: fields written side by side (%Y%m%d) are fixed
    width, fields between separators (%Y-%m-%d) take one or two digits."""
    compact = re.fullmatch(r"(%[A-Za-z])+", fmt) is not None
    for c, java in _STRFTIME_TO_JAVA.items():
        fmt = fmt.replace(c, java if java == "yyyy" or not compact else java * 2)
    return fmt


def _keep_nulls():
    from sqlglot import exp

    return exp.Anonymous(this="map", expressions=[exp.Literal.string("ignoreNullFields"), exp.Literal.string("false")])


def _list(aggregate, where, translate):
    """``list(x [ORDER BY k, ...]) [FILTER (WHERE c)]`` for Spark: NULL where no row is
    collected (Spark's collect_list gives an empty array), and, with ORDER BY, the values
    collected with their keys and sorted (every key ascending, or every key descending; Spark's
    collect_list keeps no order); ``list(DISTINCT x ORDER BY x)`` is the sorted set."""
    import sqlglot
    from sqlglot import exp

    condition = f" FILTER (WHERE {translate(where.this).sql(dialect='spark')})" if where is not None else ""
    order = aggregate.this if isinstance(aggregate.this, exp.Order) else None
    value = order.this if order is not None else aggregate.this
    distinct = isinstance(value, exp.Distinct)
    if distinct:
        value = value.expressions[0]
    value_sql = translate(value).sql(dialect="spark")
    if order is None:
        collected = f"{'collect_set' if distinct else 'collect_list'}({value_sql}){condition}"
    else:
        keys = order.expressions
        descending = {bool(k.args.get("desc")) for k in keys}
        if len(descending) != 1:
            raise NotImplementedError(f"list() ordered by keys in both directions on Spark: {order.sql()}")
        ascending = "false" if descending.pop() else "true"
        if distinct:
            collected = f"sort_array(collect_set({value_sql}){condition}, {ascending})"
        else:
            fields = ", ".join(f"'k{i}', {translate(k.this).sql(dialect='spark')}" for i, k in enumerate(keys))
            collected = (f"transform(sort_array(collect_list(named_struct({fields}, 'v', {value_sql})){condition}, "
                         f"{ascending}), e -> e.v)")
    return sqlglot.parse_one(f"CASE WHEN size({collected}) > 0 THEN {collected} END", read="spark")


def _spark_node(node):
    """One DuckDB construct rewritten for Spark, or the node as it is. A node replaced by a new
    one is not descended into by sqlglot's transform, so its parts are translated here (``_t``)."""
    from sqlglot import exp

    def _t(part):
        return part.copy().transform(_spark_node)

    if isinstance(node, exp.Window) and isinstance(node.this, exp.Count) and isinstance(node.this.this, exp.Distinct) \
            and len(node.this.this.expressions) == 1:
        # count(DISTINCT x) OVER (...): size(collect_set(x) OVER (...)), both leave NULLs out
        window = node.copy()
        window.set("this", exp.Anonymous(this="collect_set", expressions=[node.this.this.expressions[0].copy()]))
        return exp.Anonymous(this="size", expressions=[_t(window)])
    if isinstance(node, exp.Table) and not node.alias and isinstance(node.parent, (exp.From, exp.Join)) \
            and isinstance(node.this, exp.Identifier):
        # FROM t WHERE (c): Spark reads "WHERE (c)" as an alias of t naming its columns; t AS t cannot be
        node.set("alias", exp.TableAlias(this=exp.to_identifier(node.name)))
        return node
    aggregate = node.this if isinstance(node, exp.Filter) else node
    if isinstance(aggregate, exp.ArrayAgg) and not isinstance(node.parent, exp.Window):
        return _list(aggregate, node.args.get("expression") if isinstance(node, exp.Filter) else None, _t)
    if isinstance(node, exp.JSONObject) and all(isinstance(e, exp.JSONKeyValue) for e in node.expressions):
        # json_object(k, v, ...): to_json(named_struct(k, v, ...)) keeping NULL values
        parts = [p for kv in node.expressions for p in (_t(kv.this), _t(kv.expression))]
        return exp.Anonymous(this="to_json", expressions=[exp.Anonymous(this="named_struct", expressions=parts),
                                                          _keep_nulls()])
    if isinstance(node, exp.Split) and isinstance(node.expression, exp.Literal) and node.expression.this == "":
        # string_split(s, ''): the characters (Spark's split on an empty pattern, no trailing '')
        return exp.Anonymous(this="split", expressions=[_t(node.this), exp.Literal.string("")])
    if isinstance(node, exp.RegexpFullMatch) and isinstance(node.expression, exp.Literal):
        return exp.RegexpLike(this=_t(node.this), expression=exp.Literal.string(f"^(?:{node.expression.this})$"))
    if isinstance(node, exp.RegexpExtract) and isinstance(node.args.get("group"), exp.Array):
        # a struct of the named groups: named_struct('y', regexp_extract(s, p, 1), ...)
        names = [n.this for n in node.args["group"].expressions]
        parts = []
        for i, name in enumerate(names, start=1):
            parts += [exp.Literal.string(name), exp.RegexpExtract(this=_t(node.this), expression=_t(node.expression),
                                                                  group=exp.Literal.number(i))]
        return exp.Anonymous(this="named_struct", expressions=parts)
    if isinstance(node, exp.RegexpReplace):
        flags = node.args.get("modifiers")
        pattern = node.expression.this if isinstance(node.expression, exp.Literal) else ""
        if not (flags is not None and "g" in flags.name) and not pattern.startswith("^") \
                and not pattern.endswith("$"):
            raise NotImplementedError(f"regexp_replace of the first match only ({node.sql()}): Spark replaces "
                                      "every match; anchor the pattern or replace every match ('g')")
        node.set("modifiers", None)
        replacement = node.args.get("replacement")
        if isinstance(replacement, exp.Literal):  # backreferences: \1 in DuckDB (RE2), $1 in Java
            text = re.sub(r"\\(\d)", r"$\1", replacement.this.replace("$", "\\$"))
            node.set("replacement", exp.Literal.string(text))
        return node
    if isinstance(node, exp.Anonymous):
        name = node.name.lower()
        args = [_t(a) for a in node.expressions]
        if name == "try_strptime" and len(args) == 2 and isinstance(args[1], exp.Literal):
            return exp.Anonymous(this="try_to_timestamp",
                                 expressions=[args[0], exp.Literal.string(_java_format(args[1].this))])
        if name in ("suffix", "prefix"):
            return exp.Anonymous(this="endswith" if name == "suffix" else "startswith", expressions=args)
        if name == "list_reduce" and len(args) == 3:  # list_reduce(list, f, initial) = aggregate(list, initial, f)
            return exp.Anonymous(this="aggregate", expressions=[args[0], args[2], args[1]])
        if name == "to_json" and len(args) == 1:  # DuckDB writes a NULL field as null; Spark leaves it out
            return exp.Anonymous(this="to_json", expressions=[args[0], _keep_nulls()])
    return node


def to_spark_expression(sql: str) -> str:
    import sqlglot

    return sqlglot.parse_one(sql, read="duckdb").transform(_spark_node).sql(dialect="spark")


def to_spark(sql: str) -> list[str]:
    """A DuckDB statement as the Spark SQL statements that do the same: sqlglot translates the
    syntax and functions, ``_spark_node`` what it does not; a table created or replaced becomes
    a drop and a Parquet table; a macro a temporary SQL function."""
    import re

    import sqlglot
    from sqlglot import exp

    macro = re.match(r"\s*CREATE\s+(?:OR\s+REPLACE\s+)?MACRO\s+(\w+)\s*\(([^)]*)\)\s+AS\s+(.*)\Z", sql, re.S | re.I)
    if macro:
        name, params, body = macro.group(1), [p.strip() for p in macro.group(2).split(",") if p.strip()], macro.group(3)
        typed = ", ".join(f"{p} {SPARK_MACRO_TYPES.get((name, p), 'STRING')}" for p in params)
        return [f"CREATE OR REPLACE TEMPORARY FUNCTION {name}({typed}) RETURN {to_spark_expression(body)}"]
    statement = sqlglot.parse_one(sql, read="duckdb").transform(_spark_node)
    if isinstance(statement, exp.Create) and statement.args.get("replace") and statement.kind == "TABLE":
        name = statement.this.this if isinstance(statement.this, exp.Schema) else statement.this
        statement.set("replace", False)
        properties = statement.args.get("properties") or exp.Properties(expressions=[])
        properties.append("expressions", exp.FileFormatProperty(this=exp.var("PARQUET")))
        statement.set("properties", properties)
        target = name.sql(dialect="spark")
        if statement.expression is not None and any(t.name == name.name
                                                    for t in statement.expression.find_all(exp.Table)):
            # a table replaced by a query of itself: built beside it, then renamed
            staged = exp.to_identifier(f"{name.name}__replacing", quoted=True).sql(dialect="spark")
            name.replace(exp.to_table(f"{name.name}__replacing", quoted=True))
            return [f"DROP TABLE IF EXISTS {staged}", statement.sql(dialect="spark"), f"DROP TABLE {target}",
                    f"ALTER TABLE {staged} RENAME TO {target}"]
        return [f"DROP TABLE IF EXISTS {target}", statement.sql(dialect="spark")]
    return [statement.sql(dialect="spark")]


class SparkEngine(Engine):
    """The same seam on Spark: every statement the stages write for DuckDB is translated
    (``to_spark``) and run by a Spark session; tables are Parquet tables in its warehouse.
    pyspark is an optional extra (``pip install -e '.[spark]'``), imported only here."""

    dialect = "spark"

    def __init__(self, master: str = "local[*]", warehouse: str | Path | None = None, session=None):
        import tempfile

        from pyspark.sql import SparkSession

        # a session already running (a notebook's, a test's) is used and left running
        session = session or SparkSession.getActiveSession()
        self._owns_session = session is None
        self._owns_folder = warehouse is None
        # the warehouse of a session made here; exports of a previous registry and checkpoints
        self.warehouse = str(warehouse or tempfile.mkdtemp(prefix="resolve-spark-"))
        if session is None:
            from splink.backends.spark import similarity_jar_location

            if master.startswith("local"):
                # local Python workers run this interpreter, whose packages the pandas functions
                # need (pyspark reads the variable when the session starts)
                os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
            builder = (SparkSession.builder.master(master).appName("resolve")
                       .config("spark.jars", similarity_jar_location())  # Splink's string similarities
                       .config("spark.sql.warehouse.dir", self.warehouse))
            if master.startswith("local"):  # a cluster's own settings (spark-defaults.conf) stand
                builder = builder.config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "8")
            session = builder.getOrCreate()
            session.sparkContext.setLogLevel("ERROR")  # a run's warnings are Spark's bookkeeping
        for key, value in (("spark.sql.session.timeZone", "UTC"),
                           # timestamps without a time zone, as DuckDB's TIMESTAMP (and so in Parquet)
                           ("spark.sql.timestampType", "TIMESTAMP_NTZ"),
                           # a cast in a CASE branch not taken must not fail the statement (as in DuckDB)
                           ("spark.sql.ansi.enabled", "false")):
            session.conf.set(key, value)
        self.spark = session
        # this workspace's tables in a database of its own, so engines sharing a session (a
        # notebook's, the tests') never see each other's tables
        import uuid

        self.database = f"resolve_{uuid.uuid4().hex[:12]}"
        location = quote_literal(str(Path(self.warehouse) / f"{self.database}.db"))
        session.sql(f"CREATE DATABASE `{self.database}` LOCATION {location}")
        try:  # a failed statement is raised to the caller; Spark need not also log its whole plan
            log4j = session._jvm.org.apache.logging.log4j
            log4j.core.config.Configurator.setLevel("SQLQueryContextLogger", log4j.Level.OFF)
            # a long CASE over many macros compiles past Java's 64 KB per method; Spark then runs
            # the same plan interpreted, which is not an error of the run
            for name in ("org.apache.spark.sql.catalyst.expressions.codegen.CodeGenerator",
                         "org.apache.spark.sql.execution.WholeStageCodegenExec"):
                log4j.core.config.Configurator.setLevel(name, log4j.Level.OFF)
        except Exception:  # noqa: BLE001 - only quieter logs are lost
            pass
        # Splink breaks long lineages by checkpointing
        self.spark.sparkContext.setCheckpointDir(str(Path(self.warehouse) / "checkpoints"))
        self.path = "spark"

    def _use(self) -> None:
        if self.spark.catalog.currentDatabase() != self.database:
            self.spark.catalog.setCurrentDatabase(self.database)

    def _run(self, sql: str, params: list[Any] | None = None):
        import sqlglot
        from sqlglot import exp

        self._use()

        if sql.lstrip()[:6].upper() in ("UPDATE", "DELETE"):
            statement = sqlglot.parse_one(sql, read="duckdb")
            if isinstance(statement, exp.Update):
                return self._update(statement, params)
            return self._delete(statement, params)
        if re.search(r"\*\s+REPLACE\s*\(", sql, re.I):
            sql = self._expand_star_replace(sqlglot.parse_one(sql, read="duckdb")).sql(dialect="duckdb")
        result = None
        for statement in to_spark(sql):
            result = self.spark.sql(statement, args=list(params) if params else None)
        return result

    def _expand_star_replace(self, statement):
        """``SELECT t.* REPLACE (e AS c)`` as the star's columns in order, ``c`` computed by ``e``:
        Spark has no REPLACE. The columns are those Spark finds for the star over the same
        FROM (and WITH), asked without running anything."""
        from sqlglot import exp

        for star in list(statement.find_all(exp.Star)):
            replace = star.args.get("replace")
            if not replace:
                continue
            column = star.parent if isinstance(star.parent, exp.Column) else None
            select = (column or star).parent
            if not isinstance(select, exp.Select):
                raise NotImplementedError(f"* REPLACE outside a SELECT list on Spark: {statement.sql()[:200]}")
            bare = exp.Star()
            probe = select.copy()
            probe.set("expressions", [exp.Column(this=bare, table=column.args["table"].copy()) if column else bare])
            for clause in ("where", "group", "having", "qualify", "order", "limit"):
                probe.set(clause, None)
            with_ = select.find_ancestor(exp.With) or (statement.args.get("with_") or statement.args.get("with"))
            if with_ is not None and probe.args.get("with_") is None and probe.args.get("with") is None:
                probe.set("with_" if "with_" in exp.Select.arg_types else "with", with_.copy())
            names = self.spark.sql(to_spark(probe.sql(dialect="duckdb"))[-1]).columns
            new = {a.alias: a.this for a in replace}
            prefix = column.args["table"].name if column else None
            items = [exp.alias_(new[n].copy(), n, quoted=True) if n in new
                     else exp.column(n, table=prefix, quoted=True) for n in names]
            position = select.expressions.index(column or star)
            select.set("expressions", select.expressions[:position] + items + select.expressions[position + 1:])
        return statement

    def _delete(self, delete, params):
        """DELETE as a rewrite of the table without the rows the condition holds for."""
        if delete.args.get("using"):
            raise NotImplementedError(f"DELETE ... USING on Spark: {delete.sql()[:200]}")
        table, alias = delete.this.name, delete.this.alias_or_name
        where = delete.args.get("where")
        keep = f"WHERE NOT coalesce({where.this.transform(_spark_node).sql(dialect='spark')}, false)" if where else \
            "WHERE false"
        staged = f"{table}__kept"
        self.spark.sql(f"DROP TABLE IF EXISTS `{staged}`")
        self.spark.sql(f"CREATE TABLE `{staged}` USING PARQUET AS SELECT {alias}.* FROM `{table}` AS {alias} {keep}",
                       args=list(params) if params else None)
        self.spark.sql(f"DROP TABLE `{table}`")
        self.spark.sql(f"ALTER TABLE `{staged}` RENAME TO `{table}`")

    def _update(self, update, params):
        """UPDATE (with or without FROM) as a rewrite of the table: Spark's Parquet tables take
        no UPDATE. The rows the UPDATE's own FROM and WHERE select (by a row number added for
        the purpose) take the new values; the others keep theirs."""
        table, alias = update.this.name, update.this.alias_or_name
        sets = {eq.this.name: eq.expression.transform(_spark_node).sql(dialect="spark") for eq in update.expressions}
        source = update.args.get("from_")
        where = update.args.get("where")
        args = list(params) if params else None
        base, changed, staged = f"{table}__base", f"{table}__changed", f"{table}__updated"
        for name in (base, changed, staged):
            self.spark.sql(f"DROP TABLE IF EXISTS `{name}`")
        self.spark.sql(f"CREATE TABLE `{base}` USING PARQUET AS "
                       f"SELECT monotonically_increasing_id() AS __rid, * FROM `{table}`")
        # the FROM clause printed whole (its subquery's CTE stays inside it), joined by comma
        joined = ", " + source.transform(_spark_node).sql(dialect="spark").removeprefix("FROM ") \
            if source is not None else ""
        condition = f"WHERE {where.this.transform(_spark_node).sql(dialect='spark')}" if where is not None else ""
        values = ", ".join(f"{expr} AS `{column}`" for column, expr in sets.items())
        self.spark.sql(f"CREATE TABLE `{changed}` USING PARQUET AS SELECT * FROM ("
                       f"SELECT {alias}.__rid, {values}, row_number() OVER (PARTITION BY {alias}.__rid ORDER BY 1) AS __n "
                       f"FROM `{base}` AS {alias}{joined} {condition}) WHERE __n = 1", args=args)
        columns = [f.name for f in self.spark.table(table).schema.fields]
        select = ", ".join(f"CASE WHEN u.__rid IS NOT NULL THEN u.`{c}` ELSE b.`{c}` END AS `{c}`" if c in sets
                           else f"b.`{c}`" for c in columns)
        self.spark.sql(f"CREATE TABLE `{staged}` USING PARQUET AS SELECT {select} FROM `{base}` b "
                       f"LEFT JOIN `{changed}` u ON u.__rid = b.__rid")
        for name in (table, base, changed):
            self.spark.sql(f"DROP TABLE `{name}`")
        self.spark.sql(f"ALTER TABLE `{staged}` RENAME TO `{table}`")

    def execute(self, sql: str, params: list[Any] | None = None) -> None:
        self._run(sql, params)

    def fetchall(self, sql: str, params: list[Any] | None = None) -> list[tuple]:
        return [tuple(row) for row in self._run(sql, params).collect()]

    def df(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        return self._run(sql, params).toPandas()

    def columns(self, sql: str, params: list[Any] | None = None) -> dict[str, Any]:
        frame = self.df(sql, params)
        return {c: frame[c].to_numpy() for c in frame.columns}

    def column_names(self, table: str) -> list[str]:
        self._use()
        return list(self.spark.table(table).columns)

    def insert_rows(self, table: str, rows: list[tuple]) -> None:
        if rows:
            self._use()
            schema = self.spark.table(table).schema
            self.spark.createDataFrame(rows, schema).write.insertInto(table)

    def create_table(self, name: str, sql: str, params: list[Any] | None = None) -> None:
        self.execute(f"CREATE OR REPLACE TABLE {quote_ident(name)} AS {sql}", params)

    def create_table_from_frame(self, name: str, frame) -> None:
        import pyarrow as pa

        table = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
        self._use()
        self.spark.sql(f"DROP TABLE IF EXISTS `{name}`")
        self.spark.createDataFrame(table).write.format("parquet").saveAsTable(name)  # Arrow keeps the types

    def map_distinct(self, name: str, sql: str, func: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
        """As a pandas function over the distinct rows (``mapInPandas``): the Python work runs
        on the executors beside the data; the output's schema is ``func``'s on no rows."""
        import pyarrow as pa
        from pyspark.sql.pandas.types import from_arrow_schema

        self._use()
        source = self._run(f"SELECT DISTINCT * FROM ({sql})")
        schema = from_arrow_schema(pa.Schema.from_pandas(func(source.limit(0).toPandas()), preserve_index=False))
        self.spark.sql(f"DROP TABLE IF EXISTS `{name}`")
        (source.mapInPandas(lambda batches: (func(batch) for batch in batches), schema)
         .write.format("parquet").saveAsTable(name))

    def has_table(self, name: str) -> bool:
        return self.spark.catalog.tableExists(f"{self.database}.{name}")

    def tables(self) -> list[str]:
        return sorted(t.name for t in self.spark.catalog.listTables(self.database) if not t.isTemporary)

    def drop(self, name: str) -> None:
        self._use()
        self.spark.sql(f"DROP TABLE IF EXISTS `{name}`")
        self.spark.sql(f"DROP VIEW IF EXISTS `{name}`")

    def attach(self, path: str | Path, alias: str) -> None:
        """A previous registry as the database ``alias``: its Parquet folder (``<table>.parquet``
        each), the one beside a registry file, or the file's tables exported to Parquet."""
        path = Path(path)
        if path.is_file():
            beside = path.with_name(path.name.replace(".duckdb", ".parquet"))
            if beside.is_dir():
                path = beside
            else:  # a registry built on DuckDB: its tables as Parquet for Spark to read
                export = Path(self.warehouse) / f"{alias}-export"
                export.mkdir(parents=True, exist_ok=True)
                con = duckdb.connect(str(path), read_only=True)
                try:
                    for (table,) in con.execute("SELECT table_name FROM information_schema.tables "
                                                "WHERE table_schema = 'main'").fetchall():
                        target = quote_literal(str(export / f"{table}.parquet"))
                        con.execute(f"COPY main.{quote_ident(table)} TO {target} (FORMAT PARQUET)")
                finally:
                    con.close()
                path = export
        self.spark.sql(f"CREATE DATABASE IF NOT EXISTS `{alias}`")
        for folder in sorted(path.glob("*.parquet")):
            table = folder.name.removesuffix(".parquet")
            self.spark.sql(f"DROP TABLE IF EXISTS `{alias}`.`{table}`")
            self.spark.sql(f"CREATE TABLE `{alias}`.`{table}` USING PARQUET LOCATION {quote_literal(str(folder))}")

    def attached_columns(self, alias: str, table: str) -> list[str]:
        name = f"`{alias}`.`{table}`"
        return list(self.spark.table(name).columns) if self.spark.catalog.tableExists(f"{alias}.{table}") else []

    def persist(self, path: str | Path, skip_prefixes: tuple[str, ...] = ("__splink", "tmp_"),
                parquet: str | Path | None = None) -> list[str]:
        """Write every table to ``parquet/<table>.parquet`` (the registry as Parquet, a folder of
        files per table), and the DuckDB registry file at ``path`` from those files, which the
        report and ``resolve lookup`` read."""
        import tempfile

        folder = Path(parquet) if parquet is not None else Path(tempfile.mkdtemp(prefix="registry-", dir=self.warehouse))
        kept = [t for t in self.tables() if not t.startswith(skip_prefixes)]
        self._use()
        for table in kept:
            self.spark.table(table).write.mode("overwrite").parquet(str(folder / f"{table}.parquet"))
        con = duckdb.connect(str(path))
        try:
            for table in kept:
                files = sorted((folder / f"{table}.parquet").glob("*.parquet"))
                if files:
                    listed = ", ".join(quote_literal(str(f)) for f in files)
                    con.execute(f"CREATE TABLE {quote_ident(table)} AS SELECT * FROM read_parquet([{listed}])")
                else:  # an empty table: its columns from Spark's schema
                    con.register("_resolve_empty", self.spark.table(table).limit(0).toArrow())
                    con.execute(f"CREATE TABLE {quote_ident(table)} AS SELECT * FROM _resolve_empty")
                    con.unregister("_resolve_empty")
        finally:
            con.close()
        return kept

    def splink_settings(self, settings: dict) -> dict:
        """Splink settings written for DuckDB with every SQL condition and blocking rule in Spark's."""
        import copy

        settings = copy.deepcopy(settings)
        for comparison in settings.get("comparisons", []):
            for level in comparison["comparison_levels"]:
                if level["sql_condition"] != "ELSE":
                    level["sql_condition"] = to_spark_expression(level["sql_condition"])
        rules = settings.get("blocking_rules_to_generate_predictions", [])
        settings["blocking_rules_to_generate_predictions"] = [
            {**r, "blocking_rule": to_spark_expression(r["blocking_rule"])} if isinstance(r, dict)
            else to_spark_expression(r) for r in rules]
        settings["sql_dialect"] = "spark"
        return settings

    def splink_api(self):
        from splink import SparkAPI

        self._use()  # Splink reads the workspace's tables by name
        return SparkAPI(spark_session=self.spark)

    def close(self) -> None:
        """Drop this workspace's tables; a session and warehouse the engine made itself are
        stopped and removed."""
        import shutil

        if getattr(self.spark.sparkContext, "_jsc", None) is not None:  # not stopped already
            self.spark.sql(f"DROP DATABASE IF EXISTS `{self.database}` CASCADE")
            self.spark.catalog.setCurrentDatabase("default")
            if self._owns_session:
                self.spark.stop()
        if self._owns_folder:
            shutil.rmtree(self.warehouse, ignore_errors=True)
