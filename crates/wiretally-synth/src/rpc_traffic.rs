//! DCE/RPC traffic for the fixtures: endpoint-mapper lookups answered with towers (in
//! both data representations, fragmented, split across TCP segments), dynamic-port
//! connections that follow them (answered, and dropped by a firewall), binds with several
//! contexts, and SMB named pipes.

use super::frames::{Host, MS, Trace};
use crate::dcerpc::{self as write, write_create_request};
use crate::dcerpc::{Context, Uuid, parse_uuid, ptype};

/// An interface by UUID text and major version.
pub fn context(uuid: &str, major: u16) -> Context {
    Context {
        uuid: parse_uuid(uuid).expect("a valid UUID"),
        major,
        minor: 0,
    }
}

/// The endpoint mapper interface.
pub fn epm() -> Context {
    context("e1af8308-5d1f-11c9-91a4-08002b14a0fa", 3)
}

/// An interface no table names.
pub fn unknown_interface() -> Context {
    let uuid: Uuid = [0x5a; 16];
    Context {
        uuid,
        major: 1,
        minor: 0,
    }
}

/// Cuts a byte stream into TCP segments of `size` bytes.
fn segments(stream: &[u8], size: usize) -> Vec<Vec<u8>> {
    stream.chunks(size).map(<[u8]>::to_vec).collect()
}

/// An endpoint-mapper lookup from `client` to `mapper` (135/tcp): bind, then an `ept_map`
/// request answered with the towers, the answer split into DCE/RPC fragments of
/// `fragment` stub bytes and TCP segments of `segment` bytes. Returns the end time.
#[allow(clippy::too_many_arguments)]
pub fn epm_lookup(
    t: &mut Trace,
    start: i64,
    client: &Host,
    mapper: &Host,
    cport: u16,
    le: bool,
    towers: &[(Context, u16, [u8; 4])],
    fragment: usize,
    segment: usize,
) -> i64 {
    let answer: Vec<u8> =
        write::response(2, le, &write::ept_map_stub(le, towers), fragment).concat();
    let ask = write::ept_map_request_stub(le, &towers.first().map_or(epm(), |t| t.0));
    let exchanges = vec![
        (
            vec![write::bind(ptype::BIND, 1, le, &[epm()])],
            vec![write::bind_ack(1, le, 1, "135")],
        ),
        (
            vec![write::request(2, le, 3, &ask)],
            segments(&answer, segment),
        ),
    ];
    t.tcp_session_segments(start, client, mapper, cport, 135, &exchanges, MS)
}

/// A connection that binds `contexts` (little-endian) and makes one call.
pub fn bound_session(
    t: &mut Trace,
    start: i64,
    client: &Host,
    server: &Host,
    ports: (u16, u16),
    contexts: &[Context],
) -> i64 {
    let port = ports.1.to_string();
    let exchanges = vec![
        (
            vec![write::bind(ptype::BIND, 1, true, contexts)],
            vec![write::bind_ack(1, true, contexts.len() as u8, &port)],
        ),
        (
            vec![write::request(2, true, 0, &[0x22; 300])],
            write::response(2, true, &[0x11; 1200], 4000),
        ),
    ];
    t.tcp_session_segments(start, client, server, ports.0, ports.1, &exchanges, MS)
}

/// An SMB2 session opening named pipe `pipe` on `server` (445/tcp).
pub fn pipe_session(
    t: &mut Trace,
    start: i64,
    client: &Host,
    server: &Host,
    cport: u16,
    pipe: &str,
) -> i64 {
    let exchanges = vec![(vec![write_create_request(pipe, 7)], vec![vec![0u8; 140]])];
    t.tcp_session_segments(start, client, server, cport, 445, &exchanges, MS)
}
