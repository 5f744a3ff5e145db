//! NTLM messages ([MS-NLMP] 2.2.1): NEGOTIATE, CHALLENGE and AUTHENTICATE, wherever they
//! ride (SMB SESSION_SETUP security blobs, LDAP SASL and Sicily binds, DCE/RPC auth
//! verifiers, HTTP headers), raw or inside SPNEGO. [`find`] looks for the `NTLMSSP\0`
//! signature inside a blob and then parses the message properly: every field is a
//! (length, offset) pair into the message, checked against the bytes that are there.
//! The account of an AUTHENTICATE (user, domain, workstation) is decoded as UTF-16LE
//! when NTLMSSP_NEGOTIATE_UNICODE is set and as OEM otherwise, bounded and printable.
//! Responses and keys are never kept, only their lengths (which tell NTLMv1 from v2).

use super::text;

/// The signature every NTLM message starts with.
pub const SIGNATURE: &[u8; 8] = b"NTLMSSP\0";

/// NTLMSSP_NEGOTIATE_UNICODE: strings are UTF-16LE.
pub const NEGOTIATE_UNICODE: u32 = 0x0000_0001;
/// NTLM_NEGOTIATE_OEM: strings are in the OEM code page.
pub const NEGOTIATE_OEM: u32 = 0x0000_0002;
/// NTLMSSP_NEGOTIATE_SIGN.
pub const NEGOTIATE_SIGN: u32 = 0x0000_0010;
/// NTLMSSP_NEGOTIATE_SEAL.
pub const NEGOTIATE_SEAL: u32 = 0x0000_0020;
/// NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED: a NEGOTIATE names the client's domain.
pub const NEGOTIATE_OEM_DOMAIN_SUPPLIED: u32 = 0x0000_1000;
/// NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED: a NEGOTIATE names the workstation.
pub const NEGOTIATE_OEM_WORKSTATION_SUPPLIED: u32 = 0x0000_2000;
/// NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY.
pub const NEGOTIATE_EXTENDED_SESSIONSECURITY: u32 = 0x0008_0000;

/// Message types.
const NEGOTIATE: u32 = 1;
const CHALLENGE: u32 = 2;
const AUTHENTICATE: u32 = 3;

/// AV pair ids of a CHALLENGE's target information ([MS-NLMP] 2.2.2.1).
const MSV_AV_EOL: u16 = 0;
const MSV_AV_NB_COMPUTER_NAME: u16 = 1;
const MSV_AV_NB_DOMAIN_NAME: u16 = 2;
const MSV_AV_DNS_COMPUTER_NAME: u16 = 3;
const MSV_AV_DNS_DOMAIN_NAME: u16 = 4;

/// One NTLM message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NtlmMessage {
    /// Type 1, client to server: what the client supports.
    Negotiate(Negotiate),
    /// Type 2, server to client: the challenge, and who the server is.
    Challenge(Challenge),
    /// Type 3, client to server: the account that authenticates.
    Authenticate(Authenticate),
}

/// A NEGOTIATE message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negotiate {
    /// NegotiateFlags.
    pub flags: u32,
    /// The client's domain, when it supplies one.
    pub domain: Option<String>,
    /// The client's workstation, when it supplies one.
    pub workstation: Option<String>,
}

/// A CHALLENGE message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// NegotiateFlags.
    pub flags: u32,
    /// TargetName: the server's domain (or computer) name.
    pub target: Option<String>,
    /// The NetBIOS domain name from the target information.
    pub nb_domain: Option<String>,
    /// The NetBIOS computer name from the target information.
    pub nb_computer: Option<String>,
    /// The DNS domain name from the target information.
    pub dns_domain: Option<String>,
    /// The DNS computer name from the target information.
    pub dns_computer: Option<String>,
}

/// An AUTHENTICATE message: who logs on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticate {
    /// NegotiateFlags.
    pub flags: u32,
    /// UserName (empty for an anonymous logon).
    pub user: String,
    /// DomainName.
    pub domain: String,
    /// Workstation.
    pub workstation: String,
    /// Length of LmChallengeResponse.
    pub lm_response_len: u16,
    /// Length of NtChallengeResponse: 24 for NTLMv1, more for NTLMv2, 0 for anonymous.
    pub nt_response_len: u16,
}

/// Which NTLM response an AUTHENTICATE carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NtlmVersion {
    /// No NT response: an anonymous (null session) logon.
    Anonymous,
    /// A 24-byte NT response: NTLMv1 (weak).
    V1,
    /// A longer NT response: NTLMv2.
    V2,
}

impl Authenticate {
    /// Which response the client sent.
    pub fn version(&self) -> NtlmVersion {
        match self.nt_response_len {
            0 => NtlmVersion::Anonymous,
            24 => NtlmVersion::V1,
            _ => NtlmVersion::V2,
        }
    }

    /// Whether this is an anonymous logon: no user name and no NT response.
    pub fn is_anonymous(&self) -> bool {
        self.user.is_empty() && self.nt_response_len == 0
    }

    /// The account as `DOMAIN\user` (just `user` without a domain).
    pub fn account(&self) -> String {
        if self.domain.is_empty() {
            self.user.clone()
        } else {
            text::printable(&format!("{}\\{}", self.domain, self.user))
        }
    }
}

fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The bytes a security buffer field (length, max length, offset) at `at` points to.
fn field(msg: &[u8], at: usize) -> Option<&[u8]> {
    let len = usize::from(le16(msg, at)?);
    let offset = le32(msg, at + 4)? as usize;
    if len == 0 {
        return Some(&[]);
    }
    msg.get(offset..offset.checked_add(len)?)
}

/// A string field, UTF-16LE or OEM as the flags say.
fn string(msg: &[u8], at: usize, unicode: bool) -> Option<String> {
    let raw = field(msg, at)?;
    Some(if unicode {
        text::from_utf16le(raw)
    } else {
        text::from_oem(raw)
    })
}

/// Parses the NTLM message at the start of `msg` (which begins with the signature).
pub fn parse(msg: &[u8]) -> Option<NtlmMessage> {
    if !msg.starts_with(SIGNATURE) {
        return None;
    }
    match le32(msg, 8)? {
        NEGOTIATE => {
            let flags = le32(msg, 12)?;
            // The domain and workstation fields are OEM and present only when flagged
            // (and only in messages long enough to have them).
            let supplied = |flag: u32, at: usize| {
                (flags & flag != 0)
                    .then(|| string(msg, at, false))
                    .flatten()
                    .filter(|s| !s.is_empty())
            };
            Some(NtlmMessage::Negotiate(Negotiate {
                flags,
                domain: supplied(NEGOTIATE_OEM_DOMAIN_SUPPLIED, 16),
                workstation: supplied(NEGOTIATE_OEM_WORKSTATION_SUPPLIED, 24),
            }))
        }
        CHALLENGE => {
            let flags = le32(msg, 20)?;
            let mut c = Challenge {
                flags,
                target: string(msg, 12, flags & NEGOTIATE_UNICODE != 0).filter(|s| !s.is_empty()),
                nb_domain: None,
                nb_computer: None,
                dns_domain: None,
                dns_computer: None,
            };
            if let Some(info) = field(msg, 40) {
                read_target_info(info, &mut c);
            }
            Some(NtlmMessage::Challenge(c))
        }
        AUTHENTICATE => {
            let flags = le32(msg, 60)?;
            let unicode = flags & NEGOTIATE_UNICODE != 0;
            // The responses must lie inside the message too, even though only their
            // lengths are kept: a field pointing outside it means this is not one.
            let lm = field(msg, 12)?;
            let nt = field(msg, 20)?;
            Some(NtlmMessage::Authenticate(Authenticate {
                flags,
                domain: string(msg, 28, unicode)?,
                user: string(msg, 36, unicode)?,
                workstation: string(msg, 44, unicode)?,
                lm_response_len: lm.len() as u16,
                nt_response_len: nt.len() as u16,
            }))
        }
        _ => None,
    }
}

/// Reads the names of a CHALLENGE's target information AV pairs (UTF-16LE always).
fn read_target_info(info: &[u8], c: &mut Challenge) {
    let mut at = 0;
    for _ in 0..32 {
        let (Some(id), Some(len)) = (le16(info, at), le16(info, at + 2)) else {
            return;
        };
        if id == MSV_AV_EOL {
            return;
        }
        let Some(value) = info.get(at + 4..at + 4 + usize::from(len)) else {
            return;
        };
        let slot = match id {
            MSV_AV_NB_COMPUTER_NAME => &mut c.nb_computer,
            MSV_AV_NB_DOMAIN_NAME => &mut c.nb_domain,
            MSV_AV_DNS_COMPUTER_NAME => &mut c.dns_computer,
            MSV_AV_DNS_DOMAIN_NAME => &mut c.dns_domain,
            _ => {
                at += 4 + usize::from(len);
                continue;
            }
        };
        *slot = Some(text::from_utf16le(value));
        at += 4 + usize::from(len);
    }
}

/// The first NTLM message inside a security blob (raw, or wrapped in SPNEGO or GSS-API),
/// found by its signature. The message is taken to run to the end of the blob; its fields
/// are checked against that.
pub fn find(blob: &[u8]) -> Option<NtlmMessage> {
    let at = blob.windows(SIGNATURE.len()).position(|w| w == SIGNATURE)?;
    parse(&blob[at..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::outcome::samples;

    #[test]
    fn real_http_ntlm_exchange_with_oem_strings() {
        // webdav.pcap frames 18, 19, 21 (tshark: ntlmssp.auth.username WebDAV, domain
        // www.dlp-test.com, host ivan-Latitude-E6540, flags 0x028a8206).
        let Some(NtlmMessage::Negotiate(n)) = parse(&samples::ntlmssp_negotiate()) else {
            panic!("negotiate");
        };
        assert_eq!(
            (n.flags, n.domain, n.workstation),
            (0x0008_8206, None, None)
        );
        let Some(NtlmMessage::Challenge(c)) = parse(&samples::ntlmssp_challenge()) else {
            panic!("challenge");
        };
        assert_eq!(c.flags, 0x028a_8206);
        assert_eq!(c.target.as_deref(), Some("DLP-TEST-R5"));
        assert_eq!(c.nb_domain.as_deref(), Some("DLP-TEST-R5"));
        assert_eq!(c.dns_computer.as_deref(), Some("DLP-TEST-R5"));
        let Some(NtlmMessage::Authenticate(a)) = parse(&samples::ntlmssp_authenticate()) else {
            panic!("authenticate");
        };
        assert_eq!(a.user, "WebDAV");
        assert_eq!(a.domain, "www.dlp-test.com");
        assert_eq!(a.workstation, "ivan-Latitude-E6540");
        assert_eq!(a.account(), "www.dlp-test.com\\WebDAV");
        assert_eq!(
            (a.version(), a.flags & NEGOTIATE_UNICODE),
            (NtlmVersion::V2, 0)
        );
    }

    #[test]
    fn unicode_accounts_inside_a_blob_and_hostile_fields() {
        let msg = samples::ntlm_authenticate("CORP", "alice", "WS01", 24);
        let mut blob = vec![0xa1, 0x81, 0x99, 0x30, 0x04];
        blob.extend(&msg);
        let Some(NtlmMessage::Authenticate(a)) = find(&blob) else {
            panic!("found");
        };
        assert_eq!(
            (a.account(), a.workstation.as_str()),
            ("CORP\\alice".into(), "WS01")
        );
        assert_eq!(a.version(), NtlmVersion::V1);
        // A name with terminal escapes is made printable.
        let evil = samples::ntlm_authenticate("D", "x\u{1b}[31m", "W", 0);
        let Some(NtlmMessage::Authenticate(a)) = parse(&evil) else {
            panic!("parsed");
        };
        assert_eq!(a.user, "x\u{fffd}[31m");
        // Cut anywhere, or with a field pointing past the end: no account, no panic.
        for cut in 0..msg.len() {
            assert!(
                !matches!(parse(&msg[..cut]), Some(NtlmMessage::Authenticate(_))),
                "{cut}"
            );
        }
        let mut bad = msg.clone();
        bad[40..44].copy_from_slice(&u32::MAX.to_le_bytes()); // UserName offset
        assert_eq!(parse(&bad), None);
        assert_eq!(find(b"no signature here"), None);
    }
}
