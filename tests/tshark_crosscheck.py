#!/usr/bin/env python3
"""Cross-check wiretally's per-flow packet/byte counts against tshark.

Usage: python3 tests/tshark_crosscheck.py --wiretally BIN [--jobs N] FILE...

For every capture file this runs tshark (per-packet header fields, IP/IPv6
reassembly off), rebuilds the flows independently from those fields with
wiretally's documented decoding rules, runs `wiretally read FILE --format json
--flows OUT.ndjson`, and compares

  * the file totals (frames, sum of frame.len),
  * per flow: packets and bytes in each direction (only the sum when both
    endpoints are identical, so that direction is meaningless).

Rules modelled (see the wiretally README / brief):
  * flow = (unordered endpoint pair, IP protocol); endpoints carry ports for
    TCP/UDP/SCTP only;
  * ICMP / ICMPv6 are not flows;
  * link layers: Ethernet (+VLAN/QinQ, MPLS incl. Ethernet pseudowire with
    control word, PPPoE session), Linux SLL/SLL2, raw IP, BSD null/loop, PPP
    (also Cisco HDLC framing inside a PPP link, as tshark decodes it) and Cisco
    HDLC; anything else is not a flow;
  * IP-in-IP (4/41) is unwrapped (also in a first fragment), GRE, AH and UDP
    tunnels are not (AH is a flow of IP protocol 51 like ESP);
  * IPv6 extension headers hop-by-hop/routing/fragment/destination are skipped;
    an IP header or extension header tshark reports as cut off or malformed
    makes the frame no flow (an "ip" layer with version 6 is tshark handing the
    bytes to its IPv6 dissector, as wiretally does by the version nibble);
  * later IP fragments go to the flow of the earlier first fragment with the
    same (src, dst, protocol, id), else they are not a flow;
  * TCP/UDP/SCTP ports count when tshark could read them (first 4 bytes).

Damaged files (wiretally warns on stderr) are compared on the frames wiretally
counted before the damage.  tshark caps frame.len at 2^31-1; such frames are
checked as "at least".  Files tshark cannot read at all are skipped (passed).

Exit status 0 only when every file matches.  The last line printed is always
"N passed, M failed".  Standard library only.
"""

import argparse
import concurrent.futures
import ipaddress
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

# --------------------------------------------------------------------------
# tshark invocation

FIELDS = [
    "frame.number",
    "frame.len",
    "frame.protocols",
    "_ws.malformed",
    "_ws.short",
    "ip.version",
    "ip.src",
    "ip.dst",
    "ip.proto",
    "ip.id",
    "ip.flags.mf",
    "ip.frag_offset",
    "ipv6.src",
    "ipv6.dst",
    "ipv6.nxt",
    "ipv6.hopopts.nxt",
    "ipv6.routing.nxt",
    "ipv6.dstopts.nxt",
    "ipv6.fraghdr.nxt",
    "ipv6.fraghdr.offset",
    "ipv6.fraghdr.more",
    "ipv6.fraghdr.ident",
    "tcp.srcport",
    "tcp.dstport",
    "udp.srcport",
    "udp.dstport",
    "sctp.srcport",
    "sctp.dstport",
]
COL = {name: i for i, name in enumerate(FIELDS)}

# Preferences wanted; names differ between Wireshark versions, so only the
# ones this tshark knows are passed (see tshark_prefs()).
WANTED_PREFS = [
    ("ip.defragment", "FALSE"),
    ("ipv6.defragment", "FALSE"),  # Wireshark < 4.2 name
    ("ipv6.reassemble", "FALSE"),  # newer name
    ("tcp.desegment_tcp_streams", "FALSE"),
    ("tcp.analyze_sequence_numbers", "FALSE"),
    ("sctp.reassembly", "FALSE"),
    ("ip.try_heuristic_first", "FALSE"),
    ("ipv6.try_heuristic_first", "FALSE"),
]

# Tokens of frame.protocols that may precede the first IP header, i.e. the
# link layers wiretally decodes.
LINK_FIRST = {"eth", "sll", "raw", "null", "loop", "ppp", "chdlc", "fr", "radiotap", "ppi", "prism", "wlancap", "wlan"}
LINK_ANY = LINK_FIRST | {"ethertype", "vlan", "ieee8021ad", "mpls", "pppoes", "pwethheuristic", "pwethcw", "wlan_radio", "llc", "pcap_pktdata"}

# Protocol short names as they appear in _ws.malformed / _ws.short texts.
BROKEN_NAMES = {
    "IPv4": "ip",
    "IPv6": "ipv6",
    "IPv6 Hop-by-Hop": "ipv6.hopopts",
    "IPv6 Routing": "ipv6.routing",
    "IPv6 Fragment": "ipv6.fraghdr",
    "IPv6 Destination": "ipv6.dstopts",
}

# IPv6 extension headers wiretally walks over: protocol number -> (token, field of
# the following next-header value).
IPV6_EXT = {
    0: ("ipv6.hopopts", "ipv6.hopopts.nxt"),
    43: ("ipv6.routing", "ipv6.routing.nxt"),
    44: ("ipv6.fraghdr", "ipv6.fraghdr.nxt"),
    60: ("ipv6.dstopts", "ipv6.dstopts.nxt"),
}
# tshark (wiretap) caps frame.len at 2^31-1 although a pcap record may claim up to
# 2^32-1 bytes; such frames' byte counts can only be checked as "at least".
TSHARK_LEN_CLAMP = 2**31 - 1

PORT_PROTOS = {6: "tcp", 17: "udp", 132: "sctp"}
ICMP_PROTOS = {1, 58}


def tshark_prefs(tshark):
    try:
        out = subprocess.run([tshark, "-G", "defaultprefs"], capture_output=True, text=True, timeout=120).stdout
    except (OSError, subprocess.SubprocessError):
        out = ""
    known = set()
    for line in out.splitlines():
        line = line.lstrip("#").strip()
        if ":" in line:
            known.add(line.split(":", 1)[0].strip())
    args = []
    for name, value in WANTED_PREFS:
        if not known or name in known:
            if not known and name == "ipv6.reassemble":
                continue
            args += ["-o", f"{name}:{value}"]
    return args


def run_tshark(tshark, prefs, path):
    cmd = [tshark, "-n", "-r", path] + prefs + ["-T", "fields", "-E", "occurrence=a", "-E", "separator=/t"]
    for f in FIELDS:
        cmd += ["-e", f]
    p = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
    rows = []
    for line in p.stdout.splitlines():
        parts = line.split("\t")
        if len(parts) < len(FIELDS):
            parts += [""] * (len(FIELDS) - len(parts))
        rows.append(parts)
    err = "\n".join(l for l in p.stderr.splitlines() if "dangerous" not in l)
    return rows, p.returncode, err


# --------------------------------------------------------------------------
# flow model from tshark fields

def addr_key(text):
    return ipaddress.ip_address(text).packed


def fmt_addr(packed):
    return str(ipaddress.ip_address(packed))


def fmt_ep(ep):
    addr, port = ep
    a = fmt_addr(addr)
    if port is None:
        return a
    return f"[{a}]:{port}" if ":" in a else f"{a}:{port}"


def fmt_key(key):
    proto, eps = key
    name = PORT_PROTOS.get(proto, f"ip{proto}")
    return f"{name} {fmt_ep(eps[0])} <-> {fmt_ep(eps[1])}"


def to_int(text):
    text = text.strip()
    if text in ("", "False", "FALSE", "false"):
        return 0
    if text in ("True", "TRUE", "true"):
        return 1
    return int(text, 0)


class Row:
    """Field access for one tshark row with per-occurrence lookup."""

    def __init__(self, parts):
        self.parts = parts
        self.cache = {}

    def values(self, field):
        v = self.cache.get(field)
        if v is None:
            raw = self.parts[COL[field]]
            v = raw.split(",") if raw else []
            self.cache[field] = v
        return v

    def get(self, field, occ):
        v = self.values(field)
        if occ < len(v):
            return v[occ]
        raise LookupError(f"{field}#{occ} missing")


class Model:
    """Independent flow table built from tshark rows."""

    def __init__(self):
        self.flows = {}  # key -> {src_ep: [pkts, bytes]}, plus "frames": [..]
        self.frames_of = {}  # key -> first few frame numbers
        self.frag_first = {}  # (src, dst, proto, id) -> flow key or None
        self.frames = 0
        self.bytes = 0
        self.nonflow = 0
        self.clamped = 0  # frames whose frame.len tshark clamped to 2^31-1
        self.clamped_of = {}  # key -> clamped frames in that flow
        self.anomalies = []  # frames where the tshark fields could not be aligned

    def add(self, parts):
        row = Row(parts)
        frame_no = int(parts[COL["frame.number"]])
        length = int(parts[COL["frame.len"]])
        self.frames += 1
        self.bytes += length
        if length >= TSHARK_LEN_CLAMP:
            self.clamped += 1
        try:
            res = self.classify(row)
        except (LookupError, ValueError) as e:
            self.anomalies.append((frame_no, str(e)))
            res = None
        if res is None:
            self.nonflow += 1
            return
        key, src_ep = res
        d = self.flows.setdefault(key, {})
        c = d.setdefault(src_ep, [0, 0])
        c[0] += 1
        c[1] += length
        if length >= TSHARK_LEN_CLAMP:
            self.clamped_of[key] = self.clamped_of.get(key, 0) + 1
        fl = self.frames_of.setdefault(key, [])
        if len(fl) < 5:
            fl.append(frame_no)

    def classify(self, row):
        """Returns (flow key, source endpoint) or None when the frame is no flow."""
        tokens = [t for t in row.parts[COL["frame.protocols"]].split(":") if t]
        if tokens and tokens[0] == "frame":
            tokens = tokens[1:]
        # link layers
        i = 0
        while i < len(tokens) and tokens[i] not in ("ip", "ipv6"):
            t = tokens[i]
            prev = tokens[i - 1] if i else None
            if t not in LINK_ANY or (i == 0 and t not in LINK_FIRST):
                return None
            if t == "ppp" and prev not in (None, "pppoes"):
                return None
            if t == "chdlc" and prev not in (None, "ppp"):
                return None
            if t in ("pwethheuristic", "pwethcw") and prev not in ("mpls", "pwethheuristic"):
                return None
            i += 1
        if i >= len(tokens):
            return None

        # Which IP layers tshark could not dissect (cut off or malformed header).
        broken = set()
        for f in ("_ws.malformed", "_ws.short"):
            for v in row.values(f):
                for name, tok in BROKEN_NAMES.items():
                    if f"{name}]" in v or f"{name} truncated" in v:
                        broken.add(tok)

        # ip.version is added once per ip and per ipv6 layer; an "ip" layer whose
        # version nibble is 6 only hands over to the ipv6 dissector (no ip.* fields).
        ip_layers = [k for k, t in enumerate(tokens) if t in ("ip", "ipv6")]
        versions = row.values("ip.version")
        if len(versions) != len(ip_layers):
            raise LookupError(f"{len(ip_layers)} IP layers but {len(versions)} ip.version values")
        field_index = {}
        n4 = n6 = 0
        for k, v in zip(ip_layers, versions):
            v = to_int(v)
            if tokens[k] == "ip":
                if v == 4:
                    field_index[k] = n4
                    n4 += 1
                elif v == 6 and k + 1 < len(tokens) and tokens[k + 1] == "ipv6":
                    field_index[k] = "handoff"
                else:
                    field_index[k] = None  # bogus version
            else:
                field_index[k] = n6
                n6 += 1

        def occurrence(tok, upto):
            return sum(1 for t in tokens[:upto] if t == tok)

        pending_first_frags = []
        outer = None  # flow of the enclosing IP-in-IP layer (used if the inner is bogus)

        def done(res):
            for pk in pending_first_frags:
                self.frag_first[pk] = res
            return res

        while True:
            tok = tokens[i]
            n = field_index[i]
            if n == "handoff":
                i += 1
                continue
            if n is None:
                return done(outer)
            if tok == "ip":
                if n >= len(row.values("ip.src")) or n >= len(row.values("ip.proto")):
                    return done(outer)  # header not dissected (bogus length)
                src = row.get("ip.src", n)
                dst = row.get("ip.dst", n)
                proto = to_int(row.get("ip.proto", n))
                frag_off = to_int(row.get("ip.frag_offset", n))
                mf = to_int(row.get("ip.flags.mf", n))
                ident = to_int(row.get("ip.id", n))
                frag_proto = proto
                j = i + 1
                is_last_ip = not any(t in ("ip", "ipv6") for t in tokens[j:])
                if is_last_ip and "ip" in broken:
                    return done(outer)
            else:
                if n >= len(row.values("ipv6.src")) or n >= len(row.values("ipv6.nxt")):
                    return done(outer)
                src = row.get("ipv6.src", n)
                dst = row.get("ipv6.dst", n)
                proto = to_int(row.get("ipv6.nxt", n))
                frag_off, mf, ident, frag_proto = 0, 0, None, None
                j = i + 1
                is_last_ip = not any(t in ("ip", "ipv6") for t in tokens[j:])
                if is_last_ip and "ipv6" in broken:
                    return done(outer)
                while proto in IPV6_EXT:
                    etok, nfield = IPV6_EXT[proto]
                    if j >= len(tokens) or tokens[j] != etok:
                        return done(outer)  # extension header not dissected
                    if is_last_ip and etok in broken:
                        return done(outer)  # cut off or malformed extension header
                    en = occurrence(etok, j)
                    if en >= len(row.values(nfield)):
                        return done(outer)
                    is_frag = proto == 44
                    if is_frag:
                        frag_off = to_int(row.get("ipv6.fraghdr.offset", en))
                        mf = to_int(row.get("ipv6.fraghdr.more", en))
                        ident = to_int(row.get("ipv6.fraghdr.ident", en))
                    proto = to_int(row.get(nfield, en))
                    j += 1
                    if is_frag:
                        frag_proto = proto
                        if frag_off > 0:
                            break  # tshark does not dissect beyond a later fragment
            s, d = addr_key(src), addr_key(dst)
            if frag_off > 0:
                return done(self.frag_first.get((s, d, frag_proto, ident)))
            if mf:
                pending_first_frags.append((s, d, frag_proto, ident))
            if proto in (4, 41) and j < len(tokens) and tokens[j] in ("ip", "ipv6"):
                outer = self.flow_for(row, tokens, j, s, d, proto)
                i = j
                continue
            return done(self.flow_for(row, tokens, j, s, d, proto))

    def flow_for(self, row, tokens, j, s, d, proto):
        if proto in ICMP_PROTOS:
            return None
        if proto in PORT_PROTOS:
            name = PORT_PROTOS[proto]
            if j >= len(tokens) or tokens[j] != name:
                return None  # transport header not dissected (cut off)
            n = sum(1 for t in tokens[:j] if t == name)
            sp = row.values(name + ".srcport")
            dp = row.values(name + ".dstport")
            if n >= len(sp) or n >= len(dp):
                return None  # ports not captured
            a, b = (s, int(sp[n])), (d, int(dp[n]))
        else:
            a, b = (s, None), (d, None)
        key = (proto, tuple(sorted([a, b], key=lambda e: (e[0], -1 if e[1] is None else e[1]))))
        return key, a


# --------------------------------------------------------------------------
# wiretally side

def run_wiretally(binary, path, tmpdir):
    out = os.path.join(tmpdir, "flows.ndjson")
    # Expiry off: tshark keeps one conversation per address/port pair for the whole file.
    p = subprocess.run([binary, "read", path, "--format", "json", "--flows", out,
                        "--idle-timeout", "off", "--close-grace", "off"],
                       capture_output=True, text=True, errors="replace")
    summary, flows = None, {}
    dup = 0
    if p.returncode == 0:
        summary = json.loads(p.stdout)
        with open(out) as fh:
            for line in fh:
                line = line.strip()
                if not line:
                    continue
                r = json.loads(line)
                proto = r["ip_proto"]
                c = (addr_key(r["client"]), r["client_port"])
                sv = (addr_key(r["server"]), r["server_port"])
                key = (proto, tuple(sorted([c, sv], key=lambda e: (e[0], -1 if e[1] is None else e[1]))))
                if key in flows:
                    dup += 1
                d = flows.setdefault(key, {"c2s": [0, 0], "s2c": [0, 0], "client": c, "transport": r["transport"]})
                d["c2s"][0] += r["packets_c2s"]
                d["c2s"][1] += r["bytes_c2s"]
                d["s2c"][0] += r["packets_s2c"]
                d["s2c"][1] += r["bytes_s2c"]
    return p.returncode, p.stderr, summary, flows, dup


# --------------------------------------------------------------------------
# comparison

MAX_LINES = 10


def bytes_match(tshark_bytes, wt_bytes, clamped):
    if tshark_bytes == wt_bytes:
        return True
    return clamped > 0 and 0 <= wt_bytes - tshark_bytes <= clamped * (2**32 - 1 - TSHARK_LEN_CLAMP)


def compare(model, summary, wflows, dup):
    diffs = []
    t = summary["totals"]
    if t["packets"] != model.frames or not bytes_match(model.bytes, t["bytes"], model.clamped):
        diffs.append(f"totals: tshark {model.frames} frames / {model.bytes} bytes, "
                     f"wiretally {t['packets']} packets / {t['bytes']} bytes")
    if dup:
        diffs.append(f"wiretally wrote {dup} duplicate flow record(s) for one endpoint pair")
    keys = sorted(set(model.flows) | set(wflows), key=lambda k: (k[0], k[1]))
    only_t, only_w, counts = [], [], []
    for k in keys:
        tf, wf = model.flows.get(k), wflows.get(k)
        if wf is None:
            p = sum(v[0] for v in tf.values())
            b = sum(v[1] for v in tf.values())
            only_t.append(f"only tshark: {fmt_key(k)}: {p} pkts {b} B (frames {','.join(map(str, model.frames_of[k]))})")
            continue
        if tf is None:
            p = wf["c2s"][0] + wf["s2c"][0]
            b = wf["c2s"][1] + wf["s2c"][1]
            only_w.append(f"only wiretally: {fmt_key(k)}: {p} pkts {b} B")
            continue
        expected_transport = PORT_PROTOS.get(k[0], "ip")
        if wf["transport"] != expected_transport:
            counts.append(f"transport: {fmt_key(k)}: wiretally says {wf['transport']}")
        tp = sum(v[0] for v in tf.values())
        tb = sum(v[1] for v in tf.values())
        wp = wf["c2s"][0] + wf["s2c"][0]
        wb = wf["c2s"][1] + wf["s2c"][1]
        clamped = model.clamped_of.get(k, 0)
        if tp != wp or not bytes_match(tb, wb, clamped):
            counts.append(f"counts: {fmt_key(k)}: tshark {tp} pkts {tb} B, wiretally {wp} pkts {wb} B "
                          f"(frames {','.join(map(str, model.frames_of[k]))}...)")
            continue
        eps = k[1]
        if eps[0] == eps[1]:
            continue  # both endpoints equal: direction is meaningless
        client = wf["client"]
        server = eps[1] if eps[0] == client else eps[0]
        tc2s = tf.get(client, [0, 0])
        ts2c = tf.get(server, [0, 0])
        if clamped:
            ok = (tc2s[0] == wf["c2s"][0] and ts2c[0] == wf["s2c"][0]
                  and bytes_match(tc2s[1], wf["c2s"][1], clamped) and bytes_match(ts2c[1], wf["s2c"][1], clamped))
        else:
            ok = tc2s == wf["c2s"] and ts2c == wf["s2c"]
        if not ok:
            counts.append(f"direction: {fmt_key(k)}: client {fmt_ep(client)}: tshark c2s {tc2s} s2c {ts2c}, "
                          f"wiretally c2s {wf['c2s']} s2c {wf['s2c']}")
    if only_t or only_w or counts:
        diffs.append(f"flows: tshark {len(model.flows)}, wiretally {len(wflows)}; "
                     f"{len(only_t)} only in tshark, {len(only_w)} only in wiretally, "
                     f"{len(counts)} with different counts")
    detail = only_t + only_w + counts
    room = MAX_LINES - len(diffs)
    if len(detail) > room:
        diffs += detail[: room - 1] + [f"... and {len(detail) - room + 1} more"]
    else:
        diffs += detail
    return diffs


def check_file(args, prefs, path):
    """Returns (status, lines): status is 'pass', 'fail' or 'skip'."""
    start = time.monotonic()
    rows, trc, terr = run_tshark(args.tshark, prefs, path)
    if not rows and trc != 0:
        first = terr.strip().splitlines()[0] if terr.strip() else f"exit {trc}"
        return "skip", [f"note: tshark cannot read this file ({first}); skipped"]
    notes = []
    if trc != 0 or terr.strip():
        notes.append(f"note: tshark read {len(rows)} frame(s) and complained: "
                     + (terr.strip().splitlines()[0] if terr.strip() else f"exit {trc}"))
    with tempfile.TemporaryDirectory(prefix="wt-xcheck-") as tmp:
        wrc, werr, summary, wflows, dup = run_wiretally(args.wiretally, path, tmp)
    if wrc != 0:
        msg = werr.strip().splitlines()[-1] if werr.strip() else ""
        return "fail", notes + [f"wiretally exited with status {wrc} ({msg})"]
    limit = len(rows)
    if "warning" in werr:
        k = summary["totals"]["packets_read"]
        w = [l for l in werr.splitlines() if "warning" in l]
        if len(rows) < k:
            return "skip", notes + [
                f"damaged, skipped: wiretally counted {k} frames before the damage "
                f"but tshark only read {len(rows)}, so there is nothing common to compare ({w[0]})"]
        notes.append(f"note: damaged file: comparing the first {k} frames only "
                     f"(tshark read {len(rows)}; {w[0].strip()})")
        limit = k
    elif len(rows) != summary["totals"]["packets_read"] and trc != 0:
        notes.append("note: tshark stopped early but wiretally did not warn")
    model = Model()
    for parts in rows[:limit]:
        model.add(parts)
    if model.anomalies:
        fr = ", ".join(f"{n} ({why})" for n, why in model.anomalies[:3])
        notes.append(f"note: {len(model.anomalies)} frame(s) whose tshark fields could not be aligned, "
                     f"treated as no flow: {fr}")
    if model.clamped:
        notes.append(f"note: {model.clamped} frame(s) claim more than 2^31-1 bytes on the wire; tshark caps "
                     f"frame.len there, so their bytes are only checked as at least that")
    diffs = compare(model, summary, wflows, dup)
    if args.verbose:
        notes.append(f"note: {model.frames} frames, {len(model.flows)} flows, {time.monotonic() - start:.2f}s")
    return ("fail" if diffs else "pass"), notes + diffs


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wiretally", required=True, help="wiretally binary")
    ap.add_argument("--tshark", default=shutil.which("tshark") or "tshark")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("-v", "--verbose", action="store_true", help="also report matching files")
    ap.add_argument("files", nargs="*")
    args = ap.parse_args()

    prefs = tshark_prefs(args.tshark)
    passed = failed = 0
    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [pool.submit(check_file, args, prefs, f) for f in args.files]
        for path, fut in zip(args.files, futures):
            try:
                status, lines = fut.result()
            except Exception as e:  # a crash of this script on one file is a failure
                status, lines = "fail", [f"crosscheck error: {type(e).__name__}: {e}"]
            if status == "fail":
                failed += 1
                print(f"FAIL {path}")
            else:
                passed += 1
                if lines or args.verbose:
                    print(f"{'ok  ' if status == 'pass' else 'skip'} {path}")
            for l in lines:
                print(f"    {l}")
            sys.stdout.flush()
    print(f"({len(args.files)} files in {time.monotonic() - start:.1f}s)")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
