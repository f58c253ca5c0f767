"""Where a Spark executor reads from: its URL forms, and the Java it needs. No pyspark import here.

    spark+local:///abs/parquet_dir[?cores=N]        Spark inside this process (local mode): tests, one machine
    spark://host:7077?parquet=DIR | ?database=DB    a standalone cluster; this process is the driver
    sc://host:15002[/;token=...]?parquet=DIR | ?database=DB    Spark Connect (no Java here)

`parquet=DIR` (for local mode, the URL's path) is a folder of `<table>.parquet` files, as
`factory-assistant export-parquet` writes them; each becomes a temporary view of the same name.
Spark would append a write to a view over a Parquet *folder*, so keep one read-only file per
table, as the export does: a write cannot land there (and the guard and the executor refuse
writes before that). A cluster must be able to read DIR itself (a shared folder, HDFS, S3...).
`database=DB` uses the tables of the Spark catalogue's database DB instead; read-only then also
rests on the grants of the account the cluster runs as.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qs, urlsplit

from assistant.core.errors import ConfigError
from assistant.core.settings import environment_value
from assistant.sql import spark_dialect

__all__ = ["SCHEMES", "SparkTarget", "find_java_home", "is_spark_url", "parse_spark_url"]

SCHEMES = ("spark+local", "spark", "sc")
_SUGGEST = (
    "Use spark+local:///path/to/parquet_dir, spark://host:7077?parquet=DIR or "
    "sc://host:15002?parquet=DIR (see the README, 'Apache Spark')."
)
spark_dialect.apply()  # before any statement is rendered for Spark: see that module

# Spark 4 runs on Java 17 and 21; the first found wins, 17 first because that is what is tested.
_JVM_GLOBS = ("/usr/lib/jvm/java-17*", "/usr/lib/jvm/java-21*", "/usr/lib/jvm/temurin-17*", "/usr/lib/jvm/temurin-21*")


@dataclass(frozen=True)
class SparkTarget:
    kind: Literal["local", "cluster", "connect"]
    master: str  # local[N], spark://host:port, or the Spark Connect address handed to .remote()
    parquet: str | None  # folder of <table>.parquet, or None when `database` names the tables
    database: str | None = None

    def label(self) -> str:
        """What to show for this target: no token or password."""
        where = self.parquet if self.parquet is not None else f"database {self.database}"
        shown = self.master.split("/;")[0]  # Spark Connect parameters (token=...) follow '/;'
        return f"Spark {shown} ({where})"


def is_spark_url(target: str | os.PathLike[str]) -> bool:
    text = os.fspath(target)
    return "://" in text and text.split("://", 1)[0].lower() in SCHEMES


def parse_spark_url(url: str) -> SparkTarget:
    """The target a Spark URL names, or ConfigError saying what is wrong with it."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise ConfigError(f"'{parts.scheme}' is not a Spark address.", suggestion=_SUGGEST)
    params = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    unknown = sorted(set(params) - {"parquet", "database", "cores"})
    if unknown:
        raise ConfigError(f"Unknown Spark URL parameter(s): {', '.join(unknown)}.", suggestion=_SUGGEST)
    database = params.get("database") or None
    if scheme == "spark+local":
        cores = params.get("cores", "*")
        if cores != "*" and not (cores.isdigit() and int(cores) > 0):
            raise ConfigError(f"cores={cores} is not a number of cores.", suggestion="Write e.g. ?cores=2.")
        folder = parts.path or params.get("parquet", "")
        if not folder and database is None:
            raise ConfigError("A spark+local URL needs the Parquet folder as its path.", suggestion=_SUGGEST)
        return SparkTarget("local", f"local[{cores}]", _folder(folder) if folder else None, database)
    if not parts.hostname:
        raise ConfigError(f"The Spark address '{scheme}://...' names no host.", suggestion=_SUGGEST)
    parquet = params.get("parquet") or None
    if parquet is None and database is None:
        raise ConfigError(
            "Say which tables to read: ?parquet=DIR (a folder the cluster can read) "
            "or ?database=NAME (tables in the Spark catalogue).",
            suggestion=_SUGGEST,
        )
    port = f":{parts.port}" if parts.port else ""
    if scheme == "spark":
        return SparkTarget("cluster", f"spark://{parts.hostname}{port}", parquet, database)
    # Spark Connect keeps its own parameters after '/;' (token, use_ssl, user_id): pass them on.
    return SparkTarget("connect", f"sc://{parts.hostname}{port}{parts.path}", parquet, database)


def _folder(path: str) -> str:
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise ConfigError(
            f"The Parquet folder {folder} does not exist.",
            suggestion="Write it with `factory-assistant export-parquet --db FILE --out DIR`.",
        )
    return str(folder.resolve())


def find_java_home() -> str:
    """JAVA_HOME if it holds a java, else the first Java 17/21 under /usr/lib/jvm; ConfigError if none."""
    given = environment_value("JAVA_HOME")
    if given and (Path(given) / "bin" / "java").exists():
        return given
    for pattern in _JVM_GLOBS:
        for home in sorted(Path("/").glob(pattern.lstrip("/"))):
            if (home / "bin" / "java").exists():
                return str(home)
    raise ConfigError(
        "Spark needs Java 17 or 21 and none was found (JAVA_HOME, /usr/lib/jvm/java-17*).",
        suggestion="Install it (apt-get install openjdk-17-jre-headless) or set JAVA_HOME.",
    )
