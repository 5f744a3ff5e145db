#!/usr/bin/python3
"""Adds the records behind the lab's large DNS answers, through Samba's DNS management RPC.

    dns_bulk.py SMB_CONF SERVER ZONE ADMIN_PASSWORD

Runs with Debian's python3 (the one with Samba's bindings) inside the DC's namespace and
talks to SERVER (127.0.0.1 there), so none of this reaches the capture. Adds
"big.ZONE" with 60 A records (10.77.0.100-159; data only, nothing connects to them) and
"bigtxt.ZONE" with 8 TXT records of 200 characters: both answers exceed 512 bytes, so
over UDP without EDNS the DC sets TC and the client asks again over TCP.
"""

import sys

from samba import credentials, param
from samba.dcerpc import dnsserver
from samba.dnsserver import ARecord, TXTRecord


def main(argv):
    if len(argv) != 5:
        print(__doc__.strip().splitlines()[2].strip())
        return 2
    conf, server, zone, password = argv[1:]
    lp = param.LoadParm()
    lp.load(conf)
    creds = credentials.Credentials()
    creds.guess(lp)
    creds.set_username("Administrator")
    creds.set_password(password)
    conn = dnsserver.dnsserver("ncacn_ip_tcp:%s[sign]" % server, lp, creds)

    def add(name, record):
        buf = dnsserver.DNS_RPC_RECORD_BUF()
        buf.rec = record
        conn.DnssrvUpdateRecord2(dnsserver.DNS_CLIENT_VERSION_LONGHORN, 0, server, zone, name, buf, None)

    for i in range(60):
        add("big", ARecord("10.77.0.%d" % (100 + i)))
    for i in range(8):
        add("bigtxt", TXTRecord(["record %d " % i + "x" * (200 - len("record %d " % i))]))
    print("added 60 A records to big.%s and 8 TXT records to bigtxt.%s" % (zone, zone))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
