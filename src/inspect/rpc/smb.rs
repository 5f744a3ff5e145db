//! SMB2 CREATE requests ([MS-SMB2] 2.2.13) behind NetBIOS session framing: the file name
//! a client opens, which on the IPC$ share is a named pipe (`lsarpc`, `netlogon`, ...)
//! leading to a DCE/RPC interface.

/// The SMB2 protocol id.
const SMB2_MAGIC: [u8; 4] = [0xfe, b'S', b'M', b'B'];
/// SMB2 header length.
const SMB2_HEADER_LEN: usize = 64;
/// The CREATE command.
const CREATE: u16 = 0x0005;
/// Header flag of responses.
const SERVER_TO_REDIR: u32 = 0x0000_0001;

/// The names opened by the CREATE requests in one TCP payload (a NetBIOS session message
/// holding one SMB2 message or a compound chain), as far as the bytes were captured.
pub fn create_names(payload: &[u8]) -> Vec<String> {
    let mut names = Vec::new();
    // NetBIOS session message: type 0, then a 24-bit length.
    if payload.len() < 4 + SMB2_HEADER_LEN || payload[0] != 0 {
        return names;
    }
    let mut at = 4;
    for _ in 0..16 {
        let Some(msg) = payload.get(at..) else { break };
        if msg.len() < SMB2_HEADER_LEN || msg[..4] != SMB2_MAGIC {
            break;
        }
        let command = u16::from_le_bytes([msg[12], msg[13]]);
        let flags = u32::from_le_bytes([msg[16], msg[17], msg[18], msg[19]]);
        if command == CREATE && flags & SERVER_TO_REDIR == 0 {
            if let Some(name) = create_name(msg) {
                names.push(name);
            }
        }
        let next = u32::from_le_bytes([msg[20], msg[21], msg[22], msg[23]]) as usize;
        if next < SMB2_HEADER_LEN {
            break;
        }
        at += next;
    }
    names
}

/// The name of one CREATE request message (offset and length in the request body, the
/// offset counted from the SMB2 header).
fn create_name(msg: &[u8]) -> Option<String> {
    let body = SMB2_HEADER_LEN;
    if u16::from_le_bytes([*msg.get(body)?, *msg.get(body + 1)?]) != 57 {
        return None;
    }
    let offset = usize::from(u16::from_le_bytes([
        *msg.get(body + 44)?,
        *msg.get(body + 45)?,
    ]));
    let len = usize::from(u16::from_le_bytes([
        *msg.get(body + 46)?,
        *msg.get(body + 47)?,
    ]));
    if len == 0 || len % 2 != 0 || len > 512 {
        return None;
    }
    let raw = msg.get(offset..offset + len)?;
    let units: Vec<u16> = raw
        .chunks(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16(&units).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use wiretally_synth::dcerpc::write_create_request;

    #[test]
    fn create_request_names_are_read() {
        let req = write_create_request("lsarpc", 5);
        assert_eq!(create_names(&req), vec!["lsarpc".to_string()]);
        // A response (flag set) names nothing; nor does a cut request.
        let mut resp = req.clone();
        resp[4 + 16] |= 1;
        assert!(create_names(&resp).is_empty());
        for cut in 0..req.len() {
            assert!(create_names(&req[..cut]).is_empty(), "cut {cut}");
        }
        assert!(create_names(b"\x00\x00\x00\x10not smb at all, no").is_empty());
    }
}
