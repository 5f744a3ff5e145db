#!/usr/bin/env python3
"""DCE/RPC outcome cases against the lab DC, one per invocation (run.sh records each).

    dcerpc_cases.py CASE DC_IP [USER PASSWORD DOMAIN]

Cases that go through impacket's client:
  unknown-interface   bind on the endpoint mapper (135) to an interface nobody serves:
                      bind_ack with the context rejected (provider rejection)
  bad-opnum           SAMR over ncacn_ip_tcp, NTLM, packet privacy; a request with an
                      opnum SAMR does not have: fault nca_s_op_rng_error
  auth-level-connect  SAMR with authentication level "connect": Samba refuses the
                      request with a fault (access denied)
  wrong-password      SAMR bind with NTLM and a wrong password
  drsuapi-bind        DRSUAPI bind and DsBind (opnum 0) as USER
  samr-connect        SAMR bind and SamrConnect as USER (a plain success)
Cases with a hand-made bind PDU on a raw socket (port 135), to get a bind_nak:
  bindnak-version     rpc_vers_minor 5: bind_nak, protocol version not supported
  bindnak-authtype    an auth verifier of an unknown auth type: bind_nak
  bindnak-assoc       an association group that does not exist: bind_nak

Prints one line saying what the server answered. Exit status: 0 when the call worked,
1 when the server refused (the refusal is printed), 2 on a usage or transport error.
"""

import socket
import struct
import sys
import uuid

EPM_UUID = "e1af8308-5d1f-11c9-91a4-08002b14a0fa"
NDR_UUID = "8a885d04-1ceb-11c9-9fe8-08002b104860"
NOBODY_UUID = "6c0a1e1b-7e55-4b1a-9d3c-77a1b0c0ffee"

BIND_NAK_REASONS = {
    0: "reason_not_specified",
    1: "temporary_congestion",
    2: "local_limit_exceeded",
    3: "called_paddr_unknown",
    4: "protocol_version_not_supported",
    5: "default_context_not_supported",
    6: "user_data_not_readable",
    7: "no_psap_available",
    8: "authentication_type_not_recognized",
    9: "invalid_checksum",
}


def raw_bind(minor=0, assoc=0, auth_type=None):
    """A connection-oriented bind PDU for the endpoint mapper, NDR transfer syntax."""
    body = struct.pack("<HHI", 4280, 4280, assoc)
    body += struct.pack("<B3x", 1)
    body += struct.pack("<HBx", 0, 1)
    body += uuid.UUID(EPM_UUID).bytes_le + struct.pack("<HH", 3, 0)
    body += uuid.UUID(NDR_UUID).bytes_le + struct.pack("<I", 2)
    auth = b""
    if auth_type is not None:
        pad = (-len(body)) % 4
        body += b"\0" * pad
        verifier = b"\x4e" * 16
        # auth_type, auth_level (connect), pad length, reserved, context id
        body += struct.pack("<BBBBI", auth_type, 2, pad, 0, 1) + verifier
        auth = verifier
    frag_len = 16 + len(body)
    header = struct.pack("<BBBB4sHHI", 5, minor, 11, 0x03, b"\x10\0\0\0", frag_len, len(auth), 1)
    return header + body


def send_raw(dc, pdu):
    with socket.create_connection((dc, 135), timeout=10) as s:
        s.sendall(pdu)
        reply = s.recv(4096)
    if len(reply) < 16:
        print("connection closed without a reply")
        return 1
    ptype = reply[2]
    if ptype == 13:
        reason = struct.unpack_from("<H", reply, 16)[0]
        print("bind_nak reason %d (%s)" % (reason, BIND_NAK_REASONS.get(reason, "?")))
        return 1
    if ptype == 12:
        print("bind_ack")
        return 0
    print("reply packet type %d" % ptype)
    return 1


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[2].strip())
        return 2
    case, dc = argv[1], argv[2]
    user, password, domain = (argv[3:6] + ["", "", ""])[:3]

    if case == "bindnak-version":
        return send_raw(dc, raw_bind(minor=5))
    if case == "bindnak-authtype":
        return send_raw(dc, raw_bind(auth_type=0x77))
    if case == "bindnak-assoc":
        return send_raw(dc, raw_bind(assoc=0x0BADC0DE))

    from impacket.dcerpc.v5 import drsuapi, epm, rpcrt, samr, transport
    from impacket.dcerpc.v5.rpcrt import DCERPCException
    from impacket.uuid import uuidtup_to_bin

    def tcp(port, level=None):
        t = transport.DCERPCTransportFactory("ncacn_ip_tcp:%s[%d]" % (dc, port))
        if user:
            t.set_credentials(user, password, domain)
        d = t.get_dce_rpc()
        if user:
            d.set_auth_type(rpcrt.RPC_C_AUTHN_WINNT)
            d.set_auth_level(level or rpcrt.RPC_C_AUTHN_LEVEL_PKT_PRIVACY)
        d.connect()
        return d

    def samr_port():
        binding = epm.hept_map(dc, samr.MSRPC_UUID_SAMR, protocol="ncacn_ip_tcp")
        return int(binding.split("[")[1].rstrip("]"))

    try:
        if case == "unknown-interface":
            d = tcp(135)
            d.bind(uuidtup_to_bin((NOBODY_UUID, "1.0")))
            print("bound (unexpected)")
            return 0
        if case == "samr-connect":
            d = tcp(samr_port())
            d.bind(samr.MSRPC_UUID_SAMR)
            samr.hSamrConnect(d)
            print("SamrConnect ok")
            return 0
        if case == "bad-opnum":
            d = tcp(samr_port())
            d.bind(samr.MSRPC_UUID_SAMR)
            d.call(200, b"\0" * 8)
            d.recv()
            print("opnum 200 answered (unexpected)")
            return 0
        if case == "auth-level-connect":
            d = tcp(samr_port(), level=rpcrt.RPC_C_AUTHN_LEVEL_CONNECT)
            d.bind(samr.MSRPC_UUID_SAMR)
            samr.hSamrConnect(d)
            print("SamrConnect ok at level connect")
            return 0
        if case == "wrong-password":
            d = tcp(samr_port())
            d.bind(samr.MSRPC_UUID_SAMR)
            samr.hSamrConnect(d)
            print("SamrConnect ok with a wrong password (unexpected)")
            return 0
        if case == "drsuapi-bind":
            d = tcp(samr_port())
            d.bind(drsuapi.MSRPC_UUID_DRSUAPI)
            req = drsuapi.DRSBind()
            req["puuidClientDsa"] = drsuapi.NTDSAPI_CLIENT_GUID
            ext = drsuapi.DRS_EXTENSIONS_INT()
            ext["cb"] = len(ext) - 4
            ext["dwFlags"] = (drsuapi.DRS_EXT_GETCHGREQ_V6 | drsuapi.DRS_EXT_GETCHGREPLY_V6
                              | drsuapi.DRS_EXT_GETCHGREQ_V8 | drsuapi.DRS_EXT_STRONG_ENCRYPTION)
            ext["SiteObjGuid"] = drsuapi.NULLGUID
            ext["Pid"] = 0
            ext["dwReplEpoch"] = 0
            ext["dwFlagsExt"] = 0
            ext["ConfigObjGUID"] = drsuapi.NULLGUID
            ext["dwExtCaps"] = 0xFFFFFFFF
            req["pextClient"]["cb"] = len(ext)
            req["pextClient"]["rgb"] = list(ext.getData())
            d.request(req)
            print("DsBind ok")
            return 0
    except DCERPCException as e:
        print("DCERPCException: %s" % e)
        return 1
    except Exception as e:  # a refusal impacket reports as a session or socket error
        print("%s: %s" % (type(e).__name__, e))
        return 1
    print("unknown case %s" % case)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
