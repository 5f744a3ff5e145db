#!/usr/bin/env python3
"""Checks a wiretally Parquet flows file against the JSON summary of the same run, with
DuckDB as the independent reader: flows, packets and bytes per report line, and in total.

usage: duckdb_check.py SUMMARY.json FLOWS.parquet [SUMMARY.json FLOWS.parquet ...]
(exit 0 when every pair agrees; one process, so DuckDB starts once for many captures)
"""
import json
import sys

import duckdb

PORTED = ("tcp", "udp", "sctp")


def summary_lines(summary):
    """(line key) -> [flows, packets, bytes] from the JSON summary."""
    lines = {}
    for s in summary["services"]:
        if s["match"] == "ip_proto":
            key = (s["label"], "ip_proto", None)
        elif s["match"] in ("exact", "rpc"):
            key = (s["label"], s["transport"], s["port"])
        else:
            key = (s["label"], s["transport"], tuple(s["port_range"]))
        lines[key] = [s["flows"], s["packets"], s["bytes"]]
    for u in summary["unknown"]:
        port = u["port"] if u["transport"] in PORTED else u["ip_proto"]
        lines[(None, u["transport"], port)] = [u["flows"], u["packets"], u["bytes"]]
    return lines


def parquet_lines(path, ranges):
    """The same, grouped by DuckDB from the flow records."""
    rows = duckdb.sql(
        f"""
        SELECT service, transport, "match", server_port, ip_proto,
               count(*) AS flows,
               sum(packets_c2s + packets_s2c) AS packets,
               sum(bytes_c2s + bytes_s2c) AS bytes
        FROM read_parquet('{path}')
        GROUP BY ALL
        """
    ).fetchall()
    lines = {}
    for service, transport, match, port, proto, flows, packets, nbytes in rows:
        if service is None:
            key = (None, transport, port if transport in PORTED else proto)
        elif match == "ip_proto":
            key = (service, "ip_proto", None)
        elif match in ("exact", "rpc"):
            key = (service, transport, port)
        else:
            key = (service, transport, ranges[(service, transport)])
        slot = lines.setdefault(key, [0, 0, 0])
        slot[0] += flows
        slot[1] += int(packets)
        slot[2] += int(nbytes)
    return lines


def check(summary_path, parquet_path):
    """The disagreements between one summary and its Parquet records."""
    summary = json.load(open(summary_path))
    ranges = {
        (s["label"], s["transport"]): tuple(s["port_range"])
        for s in summary["services"]
        if s["match"] == "range"
    }
    want = summary_lines(summary)
    got = parquet_lines(parquet_path, ranges)
    problems = []
    for key in sorted(set(want) | set(got), key=repr):
        if want.get(key) != got.get(key):
            problems.append(f"{key}: summary {want.get(key)} parquet {got.get(key)}")
    flows = duckdb.sql(f"SELECT count(*) FROM read_parquet('{parquet_path}')").fetchall()[0][0]
    if flows != summary["totals"]["flows"]:
        problems.append(f"flows: summary {summary['totals']['flows']} parquet {flows}")
    return len(want), flows, problems


def main():
    args = sys.argv[1:]
    failed = 0
    lines = flows = 0
    for summary_path, parquet_path in zip(args[0::2], args[1::2]):
        n, f, problems = check(summary_path, parquet_path)
        lines += n
        flows += f
        if problems:
            failed += 1
            print(f"{summary_path}:")
            print("  " + "\n  ".join(problems[:10]))
    print(f"{len(args) // 2} captures, {lines} lines, {flows} flows, {failed} disagreeing")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
