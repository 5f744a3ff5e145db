//! The real message bytes the outcome parsers' unit tests read, embedded from
//! `tests/data/outcome/` (extracted with tshark from the nDPI captures; the README there
//! says which frame each came from), so the tests need nothing outside the repository.

/// Decodes hex text (whitespace ignored).
pub fn hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text.bytes().filter(u8::is_ascii_hexdigit).collect();
    digits
        .chunks_exact(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
        .collect()
}

/// The segments of a TCP connection written as `c|s SEQ HEX` lines: (from the client,
/// sequence number, payload).
pub fn tcp_stream(text: &str) -> Vec<(bool, u32, Vec<u8>)> {
    text.lines()
        .filter_map(|line| {
            let mut parts = line.split_whitespace();
            let dir = parts.next()?;
            let seq = parts.next()?.parse().ok()?;
            Some((dir == "c", seq, hex(parts.next()?)))
        })
        .collect()
}

/// An AUTHENTICATE written the way [MS-NLMP] 2.2.1.3 lays it out, UTF-16LE.
pub fn ntlm_authenticate(domain: &str, user: &str, workstation: &str, nt_len: usize) -> Vec<u8> {
    let enc = |s: &str| {
        s.encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect::<Vec<u8>>()
    };
    let (d, u, w) = (enc(domain), enc(user), enc(workstation));
    let lm = vec![0u8; 24];
    let nt = vec![0x11u8; nt_len];
    let mut m = b"NTLMSSP\0".to_vec();
    m.extend(3u32.to_le_bytes());
    let mut payload: Vec<u8> = Vec::new();
    let base = 72usize;
    let mut fields = Vec::new();
    for part in [&lm, &nt, &d, &u, &w, &Vec::<u8>::new()] {
        fields.push((part.len() as u16, (base + payload.len()) as u32));
        payload.extend(part.iter());
    }
    for (len, off) in fields {
        m.extend(len.to_le_bytes());
        m.extend(len.to_le_bytes());
        m.extend(off.to_le_bytes());
    }
    m.extend((0x0008_0001u32).to_le_bytes());
    m.resize(base, 0);
    m.extend(payload);
    m
}

macro_rules! samples {
    ($($name:ident = $file:literal;)*) => {
        $(
            #[doc = concat!("`tests/data/outcome/", $file, "`, decoded.")]
            pub fn $name() -> Vec<u8> {
                hex(include_str!(concat!("../../../tests/data/outcome/", $file)))
            }
        )*
        /// Every sample, by file name (for the fuzz seeds and the no-panic sweeps).
        pub fn all() -> Vec<(&'static str, Vec<u8>)> {
            vec![$(($file, $name())),*]
        }
    };
}

/// The Kerberos/TCP connection of `kerberos-login.pcap`, segment by segment.
pub const KRB5_TCP_STREAM: &str = include_str!("../../../tests/data/outcome/krb5-tcp-stream.txt");

samples! {
    dcerpc_alter_context = "dcerpc-alter-context.hex";
    dcerpc_alter_context_resp = "dcerpc-alter-context-resp.hex";
    dcerpc_bind_ack = "dcerpc-bind-ack.hex";
    dns_notimp = "dns-notimp.hex";
    dns_nxdomain = "dns-nxdomain.hex";
    dns_nxdomain_long_name = "dns-nxdomain-long-name.hex";
    dns_query = "dns-query.hex";
    dns_servfail = "dns-servfail.hex";
    dns_tcp_response = "dns-tcp-response.hex";
    krb5_tcp_as_req = "krb5-tcp-as-req.hex";
    krb5_tcp_error_badoption = "krb5-tcp-error-badoption.hex";
    krb5_tcp_error_preauth_required = "krb5-tcp-error-preauth-required.hex";
    krb5_tcp_tgs_rep = "krb5-tcp-tgs-rep.hex";
    krb5_udp_as_req = "krb5-udp-as-req.hex";
    krb5_udp_error_response_too_big = "krb5-udp-error-response-too-big.hex";
    krb5_udp_tgs_rep = "krb5-udp-tgs-rep.hex";
    krb5_udp_tgs_req = "krb5-udp-tgs-req.hex";
    ldap_bind_response = "ldap-bind-response.hex";
    ntlmssp_authenticate = "ntlmssp-authenticate.hex";
    ntlmssp_challenge = "ntlmssp-challenge.hex";
    ntlmssp_negotiate = "ntlmssp-negotiate.hex";
    smb1_negotiate_request = "smb1-negotiate-request.hex";
    smb1_negotiate_response = "smb1-negotiate-response.hex";
    smb1_session_setup_request = "smb1-session-setup-request.hex";
    smb1_session_setup_response_skew = "smb1-session-setup-response-skew.hex";
    smb1_tree_connect_request = "smb1-tree-connect-request.hex";
    smb2_compound_create_request = "smb2-compound-create-request.hex";
    smb2_compound_create_response = "smb2-compound-create-response.hex";
    smb2_create_name_not_found = "smb2-create-name-not-found.hex";
    smb2_find_no_more_files = "smb2-find-no-more-files.hex";
    smb2_find_no_such_file = "smb2-find-no-such-file.hex";
    smb2_notify_pending = "smb2-notify-pending.hex";
    smb2_session_setup_response = "smb2-session-setup-response.hex";
}
