//! DCE/RPC connection-oriented PDUs (\[C706\] chapter 12, [MS-RPCE] 2.2.2): the common
//! header, the presentation contexts of `bind` and `alter_context`, and the stub of a
//! `response`. Only what naming an interface needs; every read is bounds-checked, so a
//! PDU cut by the snaplen yields what was captured and nothing more.

use super::interfaces::Uuid;

/// PDU types this module reads.
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
pub const PFC_FIRST_FRAG: u8 = 0x01;
/// Last fragment of a call.
pub const PFC_LAST_FRAG: u8 = 0x02;

/// The 16-byte common header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// PDU type.
    pub ptype: u8,
    /// PFC flags.
    pub flags: u8,
    /// Integers are little-endian (data representation byte 0, bit 4).
    pub little_endian: bool,
    /// Length of the whole PDU.
    pub frag_len: u16,
    /// Length of the authentication value at its end.
    pub auth_len: u16,
    /// Call identifier.
    pub call_id: u32,
}

/// Length of the common header.
pub const HEADER_LEN: usize = 16;

/// The 16-bit integer at `at`, in the PDU's byte order (`le`: little-endian).
pub(crate) fn u16_at(b: &[u8], at: usize, le: bool) -> Option<u16> {
    let bytes: [u8; 2] = b.get(at..at + 2)?.try_into().ok()?;
    Some(if le {
        u16::from_le_bytes(bytes)
    } else {
        u16::from_be_bytes(bytes)
    })
}

/// The 32-bit integer at `at`, in the PDU's byte order.
pub(crate) fn u32_at(b: &[u8], at: usize, le: bool) -> Option<u32> {
    let bytes: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
    Some(if le {
        u32::from_le_bytes(bytes)
    } else {
        u32::from_be_bytes(bytes)
    })
}

/// Reads the common header of a PDU at the start of `bytes`, if it looks like one:
/// version 5.0 or 5.1, a known PDU type, an integer representation of 0 or 1, and lengths
/// that fit together.
pub fn header(bytes: &[u8]) -> Option<Header> {
    if bytes.len() < HEADER_LEN || bytes[0] != 5 || bytes[1] > 1 || bytes[2] > 20 {
        return None;
    }
    let drep = bytes[4];
    if drep & 0xe0 != 0 || bytes[6] != 0 || bytes[7] != 0 {
        return None;
    }
    let little_endian = drep & 0x10 != 0;
    let frag_len = u16_at(bytes, 8, little_endian)?;
    let auth_len = u16_at(bytes, 10, little_endian)?;
    if usize::from(frag_len) < HEADER_LEN
        || usize::from(auth_len) + HEADER_LEN > usize::from(frag_len)
    {
        return None;
    }
    Some(Header {
        ptype: bytes[2],
        flags: bytes[3],
        little_endian,
        frag_len,
        auth_len,
        call_id: u32_at(bytes, 12, little_endian)?,
    })
}

/// Reads an NDR-encoded UUID (first three fields in the PDU's byte order) into canonical
/// layout.
pub(crate) fn ndr_uuid(b: &[u8], at: usize, le: bool) -> Option<Uuid> {
    let raw = b.get(at..at + 16)?;
    let mut out = [0u8; 16];
    out[0..4].copy_from_slice(&u32_at(raw, 0, le)?.to_be_bytes());
    out[4..6].copy_from_slice(&u16_at(raw, 4, le)?.to_be_bytes());
    out[6..8].copy_from_slice(&u16_at(raw, 6, le)?.to_be_bytes());
    out[8..].copy_from_slice(&raw[8..]);
    Some(out)
}

/// One presentation context of a bind: the abstract syntax (interface) it asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Context {
    /// Interface UUID.
    pub uuid: Uuid,
    /// Major version.
    pub major: u16,
    /// Minor version.
    pub minor: u16,
}

/// The interfaces a `bind` or `alter_context` PDU asks for, as far as they were captured.
pub fn bind_contexts(pdu: &[u8], h: &Header) -> Vec<Context> {
    let le = h.little_endian;
    let mut out = Vec::new();
    // max_xmit_frag, max_recv_frag, assoc_group_id, then the context list.
    let Some(&count) = pdu.get(24) else {
        return out;
    };
    let end = pdu.len().min(usize::from(h.frag_len));
    let mut at = 28;
    for _ in 0..count {
        // p_cont_id (2), n_transfer_syn (1), reserved (1), abstract syntax (16 + 4).
        let Some(&transfers) = pdu.get(at + 2) else {
            break;
        };
        if at + 24 > end {
            break;
        }
        // The version is one 32-bit integer: major in the low half, minor in the high.
        let (Some(uuid), Some(version)) = (ndr_uuid(pdu, at + 4, le), u32_at(pdu, at + 20, le))
        else {
            break;
        };
        out.push(Context {
            uuid,
            major: version as u16,
            minor: (version >> 16) as u16,
        });
        at += 24 + 20 * usize::from(transfers);
    }
    out
}

/// The stub data of a `response` PDU: after the 8-byte response header, before the
/// authentication trailer, cut to what was captured.
pub fn response_stub<'a>(pdu: &'a [u8], h: &Header) -> &'a [u8] {
    let trailer = if h.auth_len > 0 {
        usize::from(h.auth_len) + 8
    } else {
        0
    };
    let end = usize::from(h.frag_len)
        .saturating_sub(trailer)
        .min(pdu.len());
    pdu.get(HEADER_LEN + 8..end).unwrap_or(&[])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::rpc::interfaces::parse_uuid;
    use wiretally_synth::dcerpc as write;

    fn ctx(uuid: &str, major: u16) -> Context {
        Context {
            uuid: parse_uuid(uuid).unwrap(),
            major,
            minor: 0,
        }
    }

    /// The generator's copy of a context.
    fn synth(c: &Context) -> write::Context {
        write::Context {
            uuid: c.uuid,
            major: c.major,
            minor: c.minor,
        }
    }

    #[test]
    fn bind_contexts_in_both_byte_orders() {
        let contexts = [
            ctx("e3514235-4b06-11d1-ab04-00c04fc2dcd2", 4),
            ctx("12345778-1234-abcd-ef00-0123456789ab", 0),
            ctx("12345678-1234-abcd-ef00-01234567cffb", 1),
        ];
        for le in [true, false] {
            let asked: Vec<write::Context> = contexts.iter().map(synth).collect();
            let pdu = write::bind(ptype::BIND, 7, le, &asked);
            let h = header(&pdu).unwrap();
            assert_eq!(
                (h.ptype, h.little_endian, h.call_id, h.frag_len as usize),
                (ptype::BIND, le, 7, pdu.len())
            );
            assert_eq!(bind_contexts(&pdu, &h), contexts.to_vec(), "le {le}");
            // Cut anywhere: a prefix of the contexts, never a wrong one.
            for cut in 0..pdu.len() {
                let got = bind_contexts(&pdu[..cut], &h);
                assert!(contexts.starts_with(&got), "cut {cut}");
            }
        }
    }

    #[test]
    fn headers_that_are_not_rpc_are_refused() {
        let good = write::bind(ptype::BIND, 1, true, &[]);
        assert!(header(&good).is_some());
        for (at, value) in [(0, 4), (1, 2), (2, 99), (4, 0x20), (6, 1)] {
            let mut bad = good.clone();
            bad[at] = value;
            assert_eq!(header(&bad), None, "byte {at} = {value}");
        }
        let mut short = good.clone();
        short[8] = 10; // frag_len below the header
        short[9] = 0;
        assert_eq!(header(&short), None);
        assert_eq!(header(&good[..15]), None);
    }

    #[test]
    fn response_stub_skips_header_and_trailer() {
        let frags = write::response(3, true, &[1, 2, 3, 4, 5, 6, 7, 8, 9], 4);
        assert_eq!(frags.len(), 3);
        let stubs: Vec<Vec<u8>> = frags
            .iter()
            .map(|f| response_stub(f, &header(f).unwrap()).to_vec())
            .collect();
        assert_eq!(stubs, vec![vec![1, 2, 3, 4], vec![5, 6, 7, 8], vec![9]]);
        let flags: Vec<u8> = frags.iter().map(|f| f[3]).collect();
        assert_eq!(flags, vec![PFC_FIRST_FRAG, 0, PFC_LAST_FRAG]);
    }
}
