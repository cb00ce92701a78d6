#!/usr/bin/env python3
"""Tag a JSONL news archive on Spark by piping each partition through the hantag binary.

    spark_tag.py INPUT OUTPUT_DIR [--partitions N] [--hantag-arg=ARG ...] [-- HANTAG_ARG ...]

INPUT is anything `SparkContext.textFile` reads (a file, a directory, a glob, `hdfs://`,
`s3a://`, `.gz`), one JSON article per line. Each partition's lines go through

    hantag tag - --format jsonl --quiet --threads <spark.task.cpus> [HANTAG_ARG ...]

with `RDD.pipe`, and OUTPUT_DIR (which must not exist) gets one `part-NNNNN` JSONL file per
partition: one output record per input line, in the input's order within each part (and
across parts, unless the job had to repartition a file that cannot be split, like `.gz`).

The binary is `$HANTAG_BIN` (or `spark.executorEnv.HANTAG_BIN`), else `hantag` on the
PATH. The built-in dictionaries are embedded in it; to use others, ship a directory
with the job and pass `-- --dict DIR`. The hantag exit code 1 (some records malformed;
they still have their output line with `errors` filled in) does not fail a task; any
other failure (missing binary, bad dictionary, crash) does.

Locally (the master is `$SPARK_MASTER` when set, else spark-submit's `--master`, else
`local[*]`):

    HANTAG_BIN=$PWD/target/release/hantag python examples/spark_tag.py news.jsonl tagged/

On a cluster (the binary and a zipped dictionary directory land in each executor's
working directory):

    spark-submit --master yarn --files target/release/hantag --archives dicts.zip#dicts \\
        --conf spark.executorEnv.HANTAG_BIN=./hantag \\
        examples/spark_tag.py hdfs:///news/*.jsonl hdfs:///tagged/ -- --dict dicts
"""

import argparse
import os
import shlex
import shutil
import sys

from pyspark.sql import SparkSession

# Runs hantag and turns its exit code 1 ("some records failed", each already reported in
# its own output line) into success; RDD.pipe(checkCode=True) fails the task on anything else.
WRAPPER = '"$0" "$@"; code=$?; [ "$code" -le 1 ] || exit "$code"'


def parse_args(argv):
    argv, extra = (argv[: argv.index("--")], argv[argv.index("--") + 1 :]) if "--" in argv else (argv, [])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("input", help="JSONL input (path, glob or URL that textFile reads)")
    parser.add_argument("output_dir", help="output directory for the part files (must not exist)")
    parser.add_argument("--partitions", type=int, help="at least this many partitions (tasks)")
    parser.add_argument(
        "--hantag-arg", action="append", default=[], metavar="ARG", help="extra hantag argument (repeatable)"
    )
    args = parser.parse_args(argv)
    args.hantag_args = args.hantag_arg + extra
    return args


def main(argv):
    args = parse_args(argv)
    builder = SparkSession.builder.appName("hantag")
    if os.environ.get("SPARK_MASTER"):
        builder = builder.master(os.environ["SPARK_MASTER"])
    spark = builder.getOrCreate()  # else spark-submit's --master, spark-defaults.conf, or local[*]
    sc = spark.sparkContext
    sc.setLogLevel(os.environ.get("SPARK_LOG_LEVEL", "WARN"))

    hantag = sc.getConf().get("spark.executorEnv.HANTAG_BIN") or os.environ.get("HANTAG_BIN") or "hantag"
    if sc.master.startswith("local") and not shutil.which(hantag):
        sys.exit(f"spark_tag.py: hantag binary not found: {hantag} (set HANTAG_BIN)")
    command = [hantag, "tag", "-", "--format", "jsonl", "--quiet"]
    if not any(a.startswith(("-j", "--threads")) for a in args.hantag_args):
        # One Spark task holds spark.task.cpus cores; hantag would otherwise take them all.
        command += ["--threads", sc.getConf().get("spark.task.cpus", "1")]
    command += args.hantag_args

    lines = sc.textFile(args.input, minPartitions=args.partitions)
    if args.partitions and lines.getNumPartitions() < args.partitions:
        lines = lines.repartition(args.partitions)  # e.g. one .gz file: the set is kept, not the order
    # pipe() runs the command with exactly `env` as its environment (none by default).
    env = {"PATH": os.environ.get("PATH", os.defpath)}
    tagged = lines.pipe(shlex.join(["sh", "-c", WRAPPER, *command]), env=env, checkCode=True)
    tagged.saveAsTextFile(args.output_dir)
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
