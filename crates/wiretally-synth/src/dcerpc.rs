//! Writers of DCE/RPC connection-oriented PDUs ([C706] chapter 12, [MS-RPCE] 2.2.2),
//! endpoint-mapper towers ([C706] appendix L) and SMB2 CREATE requests ([MS-SMB2] 2.2.13),
//! for the fixtures and for the round-trip tests of wiretally's readers.

/// A UUID in canonical (big-endian, as written) byte layout.
pub type Uuid = [u8; 16];

/// Parses `e3514235-4b06-11d1-ab04-00c04fc2dcd2` (any case) into canonical layout.
pub fn parse_uuid(text: &str) -> Option<Uuid> {
    let groups: Vec<&str> = text.trim().split('-').collect();
    let lens = [8, 4, 4, 4, 12];
    if groups.len() != 5 || groups.iter().zip(lens).any(|(g, n)| g.len() != n) {
        return None;
    }
    let hex: String = groups.concat();
    let mut out = [0u8; 16];
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// One presentation context: an interface UUID and version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Context {
    /// Interface UUID.
    pub uuid: Uuid,
    /// Major version.
    pub major: u16,
    /// Minor version.
    pub minor: u16,
}

/// PDU types the generator writes.
pub mod ptype {
    /// A call.
    pub const REQUEST: u8 = 0;
    /// A call's answer.
    pub const RESPONSE: u8 = 2;
    /// Association set-up, naming interfaces.
    pub const BIND: u8 = 11;
    /// The server's answer to a bind.
    pub const BIND_ACK: u8 = 12;
    /// More interfaces on an existing association.
    pub const ALTER_CONTEXT: u8 = 14;
}

/// The NDR transfer syntax, 8a885d04-1ceb-11c9-9fe8-08002b104860 version 2.
pub const NDR_SYNTAX: Uuid = [
    0x8a, 0x88, 0x5d, 0x04, 0x1c, 0xeb, 0x11, 0xc9, 0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60,
];

/// First fragment of a call.
const PFC_FIRST_FRAG: u8 = 0x01;
/// Last fragment of a call.
const PFC_LAST_FRAG: u8 = 0x02;
/// Length of the common header.
const HEADER_LEN: usize = 16;

/// Tower floor protocol identifiers.
const UUID_FLOOR: u8 = 0x0d;
const NCACN: u8 = 0x0b;
const TCP: u8 = 0x07;
const IP: u8 = 0x09;

/// The SMB2 protocol id.
const SMB2_MAGIC: [u8; 4] = [0xfe, b'S', b'M', b'B'];
/// SMB2 header length.
const SMB2_HEADER_LEN: usize = 64;
/// The CREATE command.
const CREATE: u16 = 0x0005;

fn put_u16(out: &mut Vec<u8>, v: u16, le: bool) {
    out.extend(if le { v.to_le_bytes() } else { v.to_be_bytes() });
}

fn put_u32(out: &mut Vec<u8>, v: u32, le: bool) {
    out.extend(if le { v.to_le_bytes() } else { v.to_be_bytes() });
}

/// A UUID in NDR layout of byte order `le` (towers always use little-endian).
pub fn put_uuid(out: &mut Vec<u8>, u: &Uuid, le: bool) {
    put_u32(out, u32::from_be_bytes(u[0..4].try_into().unwrap()), le);
    put_u16(out, u16::from_be_bytes([u[4], u[5]]), le);
    put_u16(out, u16::from_be_bytes([u[6], u[7]]), le);
    out.extend_from_slice(&u[8..]);
}

/// A PDU of `ptype` with `body` after the common header.
pub fn pdu(ptype: u8, flags: u8, call_id: u32, le: bool, body: &[u8]) -> Vec<u8> {
    let mut out = vec![5, 0, ptype, flags, if le { 0x10 } else { 0 }, 0, 0, 0];
    put_u16(&mut out, (HEADER_LEN + body.len()) as u16, le);
    put_u16(&mut out, 0, le);
    put_u32(&mut out, call_id, le);
    out.extend_from_slice(body);
    out
}

/// A bind (or alter_context) asking for `contexts`, each with the NDR transfer syntax.
pub fn bind(ptype: u8, call_id: u32, le: bool, contexts: &[Context]) -> Vec<u8> {
    let mut body = Vec::new();
    put_u16(&mut body, 4280, le);
    put_u16(&mut body, 4280, le);
    put_u32(&mut body, 0, le);
    body.extend([contexts.len() as u8, 0, 0, 0]);
    for (i, c) in contexts.iter().enumerate() {
        put_u16(&mut body, i as u16, le);
        body.extend([1, 0]);
        put_uuid(&mut body, &c.uuid, le);
        put_u32(&mut body, u32::from(c.major) | u32::from(c.minor) << 16, le);
        put_uuid(&mut body, &NDR_SYNTAX, le);
        put_u32(&mut body, 2, le);
    }
    pdu(ptype, PFC_FIRST_FRAG | PFC_LAST_FRAG, call_id, le, &body)
}

/// A bind_ack accepting every one of `contexts` contexts, with secondary address
/// `port` (the port the association is on, as text).
pub fn bind_ack(call_id: u32, le: bool, contexts: u8, port: &str) -> Vec<u8> {
    let mut body = Vec::new();
    put_u16(&mut body, 4280, le);
    put_u16(&mut body, 4280, le);
    put_u32(&mut body, 0x1234, le);
    put_u16(&mut body, port.len() as u16 + 1, le);
    body.extend(port.as_bytes());
    body.push(0);
    while (HEADER_LEN + body.len()) % 4 != 0 {
        body.push(0);
    }
    body.extend([contexts, 0, 0, 0]);
    for _ in 0..contexts {
        put_u16(&mut body, 0, le); // acceptance
        put_u16(&mut body, 0, le);
        put_uuid(&mut body, &NDR_SYNTAX, le);
        put_u32(&mut body, 2, le);
    }
    pdu(
        ptype::BIND_ACK,
        PFC_FIRST_FRAG | PFC_LAST_FRAG,
        call_id,
        le,
        &body,
    )
}

/// A request PDU calling `opnum` with `stub`.
pub fn request(call_id: u32, le: bool, opnum: u16, stub: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    put_u32(&mut body, stub.len() as u32, le);
    put_u16(&mut body, 0, le);
    put_u16(&mut body, opnum, le);
    body.extend_from_slice(stub);
    pdu(
        ptype::REQUEST,
        PFC_FIRST_FRAG | PFC_LAST_FRAG,
        call_id,
        le,
        &body,
    )
}

/// The stub of an `ept_map` request (opnum 3) asking where `interface` listens over
/// TCP/IP.
pub fn ept_map_request_stub(le: bool, interface: &Context) -> Vec<u8> {
    let mut stub = Vec::new();
    put_u32(&mut stub, 1, le); // object: referent
    stub.extend([0u8; 16]); // nil object UUID
    put_u32(&mut stub, 2, le); // map_tower: referent
    let tower = tcp_tower(interface, 135, [0; 4]);
    put_u32(&mut stub, tower.len() as u32, le);
    put_u32(&mut stub, tower.len() as u32, le);
    stub.extend_from_slice(&tower);
    while stub.len() % 4 != 0 {
        stub.push(0);
    }
    stub.extend([0u8; 20]); // entry_handle
    put_u32(&mut stub, 4, le); // max_towers
    stub
}

/// Response fragments carrying `stub`, at most `max_stub` stub bytes each.
pub fn response(call_id: u32, le: bool, stub: &[u8], max_stub: usize) -> Vec<Vec<u8>> {
    let chunks: Vec<&[u8]> = stub.chunks(max_stub.max(1)).collect();
    let n = chunks.len();
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, chunk)| {
            let mut flags = 0;
            if i == 0 {
                flags |= PFC_FIRST_FRAG;
            }
            if i + 1 == n {
                flags |= PFC_LAST_FRAG;
            }
            let mut body = Vec::new();
            put_u32(&mut body, stub.len() as u32, le);
            put_u16(&mut body, 0, le);
            body.extend([0, 0]);
            body.extend_from_slice(chunk);
            pdu(ptype::RESPONSE, flags, call_id, le, &body)
        })
        .collect()
}

/// An `ept_map` response stub (in NDR of byte order `le`) holding one TCP/IP tower per
/// (interface, port, IPv4 address).
pub fn ept_map_stub(le: bool, towers: &[(Context, u16, [u8; 4])]) -> Vec<u8> {
    let mut stub = vec![0u8; 20]; // entry_handle
    put_u32(&mut stub, towers.len() as u32, le); // num_towers
    put_u32(&mut stub, towers.len() as u32, le); // max_count
    put_u32(&mut stub, 0, le); // offset
    put_u32(&mut stub, towers.len() as u32, le); // actual_count
    for i in 0..towers.len() {
        put_u32(&mut stub, 3 + i as u32, le); // referent ids
    }
    for (c, port, ip) in towers {
        let tower = tcp_tower(c, *port, *ip);
        put_u32(&mut stub, tower.len() as u32, le);
        put_u32(&mut stub, tower.len() as u32, le);
        stub.extend_from_slice(&tower);
        while stub.len() % 4 != 0 {
            stub.push(0);
        }
    }
    put_u32(&mut stub, 0, le); // status
    stub
}

/// The five-floor ncacn_ip_tcp tower of `interface` at `port` and `ip`.
pub fn tcp_tower(interface: &Context, port: u16, ip: [u8; 4]) -> Vec<u8> {
    let mut out = 5u16.to_le_bytes().to_vec();
    let mut floor = |lhs: &[u8], rhs: &[u8]| {
        out.extend((lhs.len() as u16).to_le_bytes());
        out.extend_from_slice(lhs);
        out.extend((rhs.len() as u16).to_le_bytes());
        out.extend_from_slice(rhs);
    };
    let mut f1 = vec![UUID_FLOOR];
    put_uuid(&mut f1, &interface.uuid, true);
    f1.extend(interface.major.to_le_bytes());
    floor(&f1, &interface.minor.to_le_bytes());
    let mut f2 = vec![UUID_FLOOR];
    put_uuid(&mut f2, &NDR_SYNTAX, true);
    f2.extend(2u16.to_le_bytes());
    floor(&f2, &0u16.to_le_bytes());
    floor(&[NCACN], &0u16.to_le_bytes());
    floor(&[TCP], &port.to_be_bytes());
    floor(&[IP], &ip);
    out
}

/// Writes a CREATE request for `name` (for the fixture generator and tests).
pub fn write_create_request(name: &str, message_id: u64) -> Vec<u8> {
    let utf16: Vec<u8> = name.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let mut msg = Vec::new();
    msg.extend(SMB2_MAGIC);
    msg.extend(64u16.to_le_bytes()); // structure size
    msg.extend(1u16.to_le_bytes()); // credit charge
    msg.extend(0u32.to_le_bytes()); // status
    msg.extend(CREATE.to_le_bytes());
    msg.extend(1u16.to_le_bytes()); // credits
    msg.extend(0u32.to_le_bytes()); // flags
    msg.extend(0u32.to_le_bytes()); // next command
    msg.extend(message_id.to_le_bytes());
    msg.extend(0u32.to_le_bytes()); // reserved
    msg.extend(1u32.to_le_bytes()); // tree id
    msg.extend(0x4000_0001u64.to_le_bytes()); // session id
    msg.extend([0u8; 16]); // signature
    let mut body = Vec::new();
    body.extend(57u16.to_le_bytes());
    body.extend([0, 0]); // security flags, oplock
    body.extend(2u32.to_le_bytes()); // impersonation
    body.extend([0u8; 16]); // create flags, reserved
    body.extend(0x0012_019fu32.to_le_bytes()); // desired access
    body.extend(0u32.to_le_bytes()); // attributes
    body.extend(3u32.to_le_bytes()); // share access
    body.extend(1u32.to_le_bytes()); // disposition: open
    body.extend(0x40u32.to_le_bytes()); // options: non-directory
    body.extend(((SMB2_HEADER_LEN + 56) as u16).to_le_bytes()); // name offset
    body.extend((utf16.len() as u16).to_le_bytes());
    body.extend(0u32.to_le_bytes()); // contexts offset
    body.extend(0u32.to_le_bytes()); // contexts length
    msg.extend(&body);
    msg.extend(&utf16);
    let mut out = vec![0];
    out.extend(&(msg.len() as u32).to_be_bytes()[1..]);
    out.extend(msg);
    out
}
