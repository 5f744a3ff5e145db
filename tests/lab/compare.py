#!/usr/bin/env python3
"""Does a fresh lab run produce the same outcomes as the committed one?

    compare.py FRESH_DIR [COMMITTED_DIR]     (COMMITTED_DIR defaults to fixtures/lab)

Compares FRESH_DIR/expected/summary.tsv with COMMITTED_DIR/expected/summary.tsv (every
outcome code and its count) and the exit status of every scenario in the two
clients.tsv files. Interim SMB2 responses (STATUS_PENDING) come and go with timing, so
their counts are reported but not held against the run. Exit status 0 when the outcomes
agree, 1 when they do not (the differences are printed), 2 when a file is missing.
For CI: `run.sh --out DIR && expected.sh DIR && compare.py DIR`.
"""

import csv
import os
import sys

TIMING_DEPENDENT = {"0x00000103"}  # STATUS_PENDING


def read_tsv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def summary(path):
    out = {}
    for row in read_tsv(path):
        out[(row["capture"], row["protocol"], row["code"], row["name"])] = int(row["count"])
    return out


def exits(path):
    return {row["scenario"]: row["exit"] for row in read_tsv(path)}


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[2].strip())
        return 2
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    fresh = argv[1]
    committed = argv[2] if len(argv) > 2 else os.path.join(root, "fixtures", "lab")
    paths = [os.path.join(d, f) for d in (fresh, committed)
             for f in ("expected/summary.tsv", "clients.tsv")]
    for p in paths:
        if not os.path.exists(p):
            print("compare.py: missing %s" % p)
            return 2
    new, old = summary(paths[0]), summary(paths[2])
    problems = []
    notes = []
    for key in sorted(set(new) | set(old)):
        a, b = new.get(key, 0), old.get(key, 0)
        if a != b:
            line = "%s %s %s %s: %d now, %d committed" % (key + (a, b))
            (notes if key[2] in TIMING_DEPENDENT else problems).append(line)
    new_exits, old_exits = exits(paths[1]), exits(paths[3])
    for scenario in sorted(set(new_exits) | set(old_exits)):
        a, b = new_exits.get(scenario, "absent"), old_exits.get(scenario, "absent")
        if a != b:
            problems.append("%s: exit %s now, %s committed" % (scenario, a, b))
    for n in notes:
        print("compare.py: note (timing): " + n)
    for p in problems:
        print("compare.py: differs: " + p)
    if problems:
        print("compare.py: %d differences between %s and %s" % (len(problems), fresh, committed))
        return 1
    print("compare.py: %d outcome rows and %d scenarios agree with %s"
          % (len(old), len(old_exits), committed))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
