//! Kerberos V5 messages ([RFC 4120] 5.4.1, 5.4.2, 5.5.1, 5.9.1; [MS-KILE]): one message
//! from a UDP datagram or a TCP record (without its record mark; see
//! [`Framing::Kerberos`](super::stream::Framing::Kerberos)), or inside a GSS-API token
//! ([`find_in_gss`]). From requests: the client and service principals, the realm and
//! the encryption types asked for (an RC4-only list is flagged); from replies: the client
//! principal and realm and the ticket's service; from KRB-ERROR: the error code with its
//! RFC 4120 name and a plain meaning, the principals, e-text, and the NTSTATUS that
//! Windows KDCs put in e-data (KERB-EXT-ERROR, [MS-KILE] 2.2.1).

use super::ber::{self, Class, Tlv, universal};
use super::code::{Code, Entry, Outcome, Protocol, Severity, Space};
use super::ntstatus;
use super::text::{self, MAX_ITEMS, MAX_NAME};

/// The kind of a Kerberos message (its application tag).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// KRB_AS_REQ (10): a client asks for a ticket-granting ticket.
    AsReq,
    /// KRB_AS_REP (11).
    AsRep,
    /// KRB_TGS_REQ (12): a client asks for a service ticket.
    TgsReq,
    /// KRB_TGS_REP (13).
    TgsRep,
    /// KRB_AP_REQ (14): a client presents a ticket to a service.
    ApReq,
    /// KRB_AP_REP (15).
    ApRep,
    /// KRB_ERROR (30).
    Error,
}

impl Kind {
    fn from_tag(tag: u32) -> Option<Kind> {
        Some(match tag {
            10 => Kind::AsReq,
            11 => Kind::AsRep,
            12 => Kind::TgsReq,
            13 => Kind::TgsRep,
            14 => Kind::ApReq,
            15 => Kind::ApRep,
            30 => Kind::Error,
            _ => return None,
        })
    }

    /// The name in reports (`AS-REQ`, `KRB-ERROR`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::AsReq => "AS-REQ",
            Kind::AsRep => "AS-REP",
            Kind::TgsReq => "TGS-REQ",
            Kind::TgsRep => "TGS-REP",
            Kind::ApReq => "AP-REQ",
            Kind::ApRep => "AP-REP",
            Kind::Error => "KRB-ERROR",
        }
    }
}

/// RC4-HMAC (23) and its export variant (24), the only etypes an RC4-only request lists.
const RC4_ETYPES: [i32; 2] = [23, 24];

/// One Kerberos message, its strings bounded and printable.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KerberosMessage {
    /// What kind of message.
    pub kind: Option<Kind>,
    /// The realm of a request body, of a KRB-ERROR (the service's realm), or of the
    /// ticket of a reply or AP-REQ.
    pub realm: Option<String>,
    /// The client principal (name strings joined by '/'), when the message names it.
    pub cname: Option<String>,
    /// The client's realm (replies, KRB-ERROR).
    pub crealm: Option<String>,
    /// The service principal of a request body, a KRB-ERROR, or a reply's ticket.
    pub sname: Option<String>,
    /// The encryption types a request asks for, in its order (at most
    /// [`MAX_ITEMS`]).
    pub etypes: Vec<i32>,
    /// A KRB-ERROR's error-code.
    pub error_code: Option<i32>,
    /// A KRB-ERROR's e-text.
    pub e_text: Option<String>,
    /// The NTSTATUS a Windows KDC put in a KRB-ERROR's e-data.
    pub nt_status: Option<u32>,
}

impl KerberosMessage {
    /// Whether a request asks for RC4 and nothing else (no AES): the account or client
    /// would get tickets only in the weakest encryption type.
    pub fn rc4_only(&self) -> bool {
        !self.etypes.is_empty() && self.etypes.iter().all(|e| RC4_ETYPES.contains(e))
    }

    /// The outcome: a KRB-ERROR's code (with the e-data NTSTATUS as detail), success for
    /// a reply, none for a request.
    pub fn outcome(&self) -> Option<Outcome> {
        let code = match (self.kind?, self.error_code) {
            (Kind::Error, Some(code)) => code,
            (Kind::AsRep | Kind::TgsRep | Kind::ApRep, _) => 0,
            _ => return None,
        };
        Some(Outcome::new(
            Protocol::Kerberos,
            error_code(code),
            self.nt_status.map(ntstatus::code),
        ))
    }
}

/// The Kerberos error-code `value`, named when the table knows it.
pub fn error_code(value: i32) -> Code {
    Code::new(Space::KerberosError, i64::from(value), ERRORS)
}

/// Parses one Kerberos message (no record mark). None when `msg` is not a whole one of
/// the kinds above.
pub fn parse(msg: &[u8]) -> Option<KerberosMessage> {
    let outer = ber::read_one(msg)?;
    if outer.class != Class::Application || !outer.constructed {
        return None;
    }
    let kind = Kind::from_tag(outer.tag)?;
    let body = outer.inner().filter(Tlv::is_sequence)?;
    let mut m = KerberosMessage {
        kind: Some(kind),
        ..KerberosMessage::default()
    };
    match kind {
        Kind::AsReq | Kind::TgsReq => {
            // KDC-REQ: pvno [1], msg-type [2], padata [3], req-body [4].
            check_header(&body, 1, 2, outer.tag)?;
            let req = body.field(4).filter(Tlv::is_sequence)?;
            m.cname = req.field(1).and_then(principal);
            m.realm = req.field(2).map(|r| r.text());
            m.sname = req.field(3).and_then(principal);
            if let Some(list) = req.field(8) {
                m.etypes = list
                    .children()
                    .filter_map(|e| e.integer())
                    .filter_map(|e| i32::try_from(e).ok())
                    .take(MAX_ITEMS)
                    .collect();
            }
        }
        Kind::AsRep | Kind::TgsRep => {
            // KDC-REP: pvno [0], msg-type [1], padata [2], crealm [3], cname [4],
            // ticket [5], enc-part [6].
            check_header(&body, 0, 1, outer.tag)?;
            m.crealm = body.field(3).map(|r| r.text());
            m.cname = body.field(4).and_then(principal);
            if let Some(ticket) = body.field(5) {
                read_ticket(&ticket, &mut m);
            }
        }
        Kind::ApReq => {
            // AP-REQ: pvno [0], msg-type [1], ap-options [2], ticket [3], authenticator [4].
            check_header(&body, 0, 1, outer.tag)?;
            if let Some(ticket) = body.field(3) {
                read_ticket(&ticket, &mut m);
            }
        }
        Kind::ApRep => check_header(&body, 0, 1, outer.tag)?,
        Kind::Error => {
            // KRB-ERROR: pvno [0], msg-type [1], ctime [2], cusec [3], stime [4],
            // susec [5], error-code [6], crealm [7], cname [8], realm [9], sname [10],
            // e-text [11], e-data [12].
            check_header(&body, 0, 1, outer.tag)?;
            m.error_code = Some(i32::try_from(body.field(6)?.integer()?).ok()?);
            m.crealm = body.field(7).map(|r| r.text());
            m.cname = body.field(8).and_then(principal);
            m.realm = body.field(9).map(|r| r.text());
            m.sname = body.field(10).and_then(principal);
            m.e_text = body.field(11).map(|t| t.text()).filter(|t| !t.is_empty());
            m.nt_status = body.field(12).and_then(|d| ext_error_status(d.value));
        }
    }
    Some(m)
}

/// Checks pvno 5 and that msg-type agrees with the application tag.
fn check_header(body: &Tlv, pvno: u32, msg_type: u32, tag: u32) -> Option<()> {
    (body.field(pvno)?.integer()? == 5 && body.field(msg_type)?.integer()? == i64::from(tag))
        .then_some(())
}

/// A Ticket ([APPLICATION 1] SEQUENCE { tkt-vno \[0\], realm \[1\], sname \[2\], ... }): its
/// realm and service principal.
fn read_ticket(ticket: &Tlv, m: &mut KerberosMessage) {
    let Some(t) = ticket
        .is(Class::Application, 1)
        .then(|| ticket.inner())
        .flatten()
        .filter(Tlv::is_sequence)
    else {
        return;
    };
    m.realm = t.field(1).map(|r| r.text());
    m.sname = t.field(2).and_then(principal);
}

/// A PrincipalName (SEQUENCE { name-type \[0\], name-string \[1\] SEQUENCE OF
/// KerberosString }) as its strings joined by '/'.
fn principal(p: Tlv) -> Option<String> {
    if !p.is_sequence() {
        return None;
    }
    let strings = p.field(1)?;
    let mut out = String::new();
    for (i, s) in strings
        .children()
        .filter(|s| s.is(Class::Universal, universal::GENERAL_STRING))
        .take(MAX_ITEMS)
        .enumerate()
    {
        if i > 0 {
            out.push('/');
        }
        out.push_str(&s.text());
        if out.len() > MAX_NAME {
            break;
        }
    }
    Some(text::printable(&out))
}

/// The NTSTATUS of a KRB-ERROR's e-data: KERB-ERROR-DATA ::= SEQUENCE { data-type \[1\]
/// INTEGER, data-value \[2\] OCTET STRING } with data-type KERB_ERR_TYPE_EXTENDED (3) and a
/// KERB-EXT-ERROR value (status, reserved, flags: three little-endian 32-bit integers).
fn ext_error_status(e_data: &[u8]) -> Option<u32> {
    const KERB_ERR_TYPE_EXTENDED: i64 = 3;
    let seq = ber::read_one(e_data).filter(Tlv::is_sequence)?;
    if seq.field(1)?.integer()? != KERB_ERR_TYPE_EXTENDED {
        return None;
    }
    let value = seq.field(2)?;
    let status = value.value.get(..4)?;
    Some(u32::from_le_bytes(status.try_into().ok()?))
}

/// The mechanism token of a SPNEGO message ([RFC 4178] 4.2): the mechToken \[2\] of a
/// negTokenInit (inside its GSS-API InitialContextToken) or the responseToken \[2\] of a
/// negTokenResp.
pub fn spnego_token(blob: &[u8]) -> Option<&[u8]> {
    let t = ber::read_one(blob)?;
    let neg = if t.is(Class::Application, 0) {
        t.context(0)?.inner()?
    } else if t.class == Class::Context && t.tag <= 1 {
        t.inner()?
    } else {
        return None;
    };
    neg.field(2)
        .filter(|o| o.is(Class::Universal, universal::OCTET_STRING))
        .map(|o| o.value)
}

/// The Kerberos message in a security blob: the mechanism token of a SPNEGO message
/// (raw, as DCE/RPC carries it, or in a GSS-API token), or else any GSS-API KRB5 token
/// ([RFC 4121] 4.1: the KRB5 mechanism OID, a two-byte token id, then the message), as
/// SMB SESSION_SETUP and LDAP SASL binds carry them. Both the standard and Microsoft's
/// legacy KRB5 OID are recognised.
pub fn find_in_gss(blob: &[u8]) -> Option<KerberosMessage> {
    // OBJECT IDENTIFIER 1.2.840.113554.1.2.2 and 1.2.840.48018.1.2.2, tag and length
    // included.
    const KRB5: [u8; 11] = [
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02,
    ];
    const MS_KRB5: [u8; 11] = [
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02,
    ];
    if let Some(m) = spnego_token(blob).and_then(parse) {
        return Some(m);
    }
    let mut from = 0;
    // A handful of candidates at most: SPNEGO lists the mechanism OIDs before the token.
    for _ in 0..8 {
        let rest = blob.get(from..)?;
        let at = rest
            .windows(KRB5.len())
            .position(|w| w == KRB5 || w == MS_KRB5)?;
        let after = from + at + KRB5.len();
        // Token ids: 01 00 AP-REQ, 02 00 AP-REP, 03 00 KRB-ERROR.
        if let Some([id, 0]) = blob.get(after..after + 2) {
            if (1..=3).contains(id) {
                if let Some(m) = blob.get(after + 2..).and_then(parse) {
                    return Some(m);
                }
            }
        }
        from = after;
    }
    None
}

const fn e(value: i64, name: &'static str, meaning: Option<&'static str>, s: Severity) -> Entry {
    Entry::new(value, name, meaning, s)
}

use Severity::{AccountProblem, ClockSkew, Error, LogonFailure, Routine, Success};

/// Kerberos error codes, [RFC 4120] 7.5.9 (0-68) with the later registrations
/// ([RFC 6113], [RFC 4556]: 69-76), sorted by value. The names are RFC 4120's.
#[rustfmt::skip]
pub const ERRORS: &[Entry] = &[
    e(0, "KDC_ERR_NONE", None, Success),
    e(1, "KDC_ERR_NAME_EXP", Some("the client's account has expired"), AccountProblem),
    e(2, "KDC_ERR_SERVICE_EXP", Some("the service's account has expired"), Error),
    e(3, "KDC_ERR_BAD_PVNO", None, Error),
    e(4, "KDC_ERR_C_OLD_MAST_KVNO", None, Error),
    e(5, "KDC_ERR_S_OLD_MAST_KVNO", None, Error),
    e(6, "KDC_ERR_C_PRINCIPAL_UNKNOWN", Some("no such account"), LogonFailure),
    e(7, "KDC_ERR_S_PRINCIPAL_UNKNOWN", Some("no such service principal (SPN): no account has this service name"), Error),
    e(8, "KDC_ERR_PRINCIPAL_NOT_UNIQUE", Some("the name is on more than one account (duplicate SPN or UPN)"), Error),
    e(9, "KDC_ERR_NULL_KEY", Some("the account has no key; reset its password"), Error),
    e(10, "KDC_ERR_CANNOT_POSTDATE", None, Error),
    e(11, "KDC_ERR_NEVER_VALID", None, Error),
    e(12, "KDC_ERR_POLICY", Some("refused by KDC policy (logon restrictions such as workstation or hours, or a smart card required)"), LogonFailure),
    e(13, "KDC_ERR_BADOPTION", Some("the KDC cannot grant a requested option (e.g. delegation is not allowed)"), Error),
    e(14, "KDC_ERR_ETYPE_NOSUPP", Some("no common encryption type between client, KDC and the account's keys"), Error),
    e(15, "KDC_ERR_SUMTYPE_NOSUPP", None, Error),
    e(16, "KDC_ERR_PADATA_TYPE_NOSUPP", Some("the KDC does not support the pre-authentication type (e.g. smart card logon)"), Error),
    e(17, "KDC_ERR_TRTYPE_NOSUPP", None, Error),
    e(18, "KDC_ERR_CLIENT_REVOKED", Some("account disabled, locked out or expired"), AccountProblem),
    e(19, "KDC_ERR_SERVICE_REVOKED", Some("the service's account is disabled, locked out or expired"), Error),
    e(20, "KDC_ERR_TGT_REVOKED", None, Error),
    e(21, "KDC_ERR_CLIENT_NOTYET", None, Error),
    e(22, "KDC_ERR_SERVICE_NOTYET", None, Error),
    e(23, "KDC_ERR_KEY_EXPIRED", Some("password expired"), AccountProblem),
    e(24, "KDC_ERR_PREAUTH_FAILED", Some("wrong password"), LogonFailure),
    e(25, "KDC_ERR_PREAUTH_REQUIRED", Some("a normal first step: the client retries with pre-authentication"), Routine),
    e(26, "KDC_ERR_SERVER_NOMATCH", None, Error),
    e(27, "KDC_ERR_MUST_USE_USER2USER", None, Error),
    e(28, "KDC_ERR_PATH_NOT_ACCEPTED", None, Error),
    e(29, "KDC_ERR_SVC_UNAVAILABLE", Some("the KDC is not available to serve the request"), Error),
    e(31, "KRB_AP_ERR_BAD_INTEGRITY", Some("the message did not decrypt: the keys differ (e.g. a password changed)"), Error),
    e(32, "KRB_AP_ERR_TKT_EXPIRED", Some("the ticket expired (clients normally get a new one)"), Error),
    e(33, "KRB_AP_ERR_TKT_NYV", Some("the ticket is not yet valid (clocks apart?)"), Error),
    e(34, "KRB_AP_ERR_REPEAT", Some("the request is a replay"), Error),
    e(35, "KRB_AP_ERR_NOT_US", Some("the ticket is for another service"), Error),
    e(36, "KRB_AP_ERR_BADMATCH", None, Error),
    e(37, "KRB_AP_ERR_SKEW", Some("clocks more than 5 minutes apart"), ClockSkew),
    e(38, "KRB_AP_ERR_BADADDR", None, Error),
    e(39, "KRB_AP_ERR_BADVERSION", None, Error),
    e(40, "KRB_AP_ERR_MSG_TYPE", None, Error),
    e(41, "KRB_AP_ERR_MODIFIED", Some("the service could not decrypt the ticket: its key differs from the KDC's (duplicate SPN or a stale account password)"), Error),
    e(42, "KRB_AP_ERR_BADORDER", None, Error),
    e(44, "KRB_AP_ERR_BADKEYVER", Some("the service does not have the key version of the ticket"), Error),
    e(45, "KRB_AP_ERR_NOKEY", None, Error),
    e(46, "KRB_AP_ERR_MUT_FAIL", None, Error),
    e(47, "KRB_AP_ERR_BADDIRECTION", None, Error),
    e(48, "KRB_AP_ERR_METHOD", None, Error),
    e(49, "KRB_AP_ERR_BADSEQ", None, Error),
    e(50, "KRB_AP_ERR_INAPP_CKSUM", None, Error),
    e(51, "KRB_AP_PATH_NOT_ACCEPTED", None, Error),
    e(52, "KRB_ERR_RESPONSE_TOO_BIG", Some("the response is too big for UDP; the client retries over TCP (a normal step)"), Routine),
    e(60, "KRB_ERR_GENERIC", Some("a generic error (the e-text may say more)"), Error),
    e(61, "KRB_ERR_FIELD_TOOLONG", None, Error),
    e(62, "KDC_ERROR_CLIENT_NOT_TRUSTED", None, Error),
    e(63, "KDC_ERROR_KDC_NOT_TRUSTED", None, Error),
    e(64, "KDC_ERROR_INVALID_SIG", None, Error),
    e(65, "KDC_ERR_KEY_TOO_WEAK", None, Error),
    e(66, "KDC_ERR_CERTIFICATE_MISMATCH", None, Error),
    e(67, "KRB_AP_ERR_NO_TGT", None, Error),
    e(68, "KDC_ERR_WRONG_REALM", Some("the principal is in another realm (a referral)"), Error),
    e(69, "KRB_AP_ERR_USER_TO_USER_REQUIRED", None, Error),
    e(70, "KDC_ERR_CANT_VERIFY_CERTIFICATE", None, Error),
    e(71, "KDC_ERR_INVALID_CERTIFICATE", None, Error),
    e(72, "KDC_ERR_REVOKED_CERTIFICATE", None, Error),
    e(73, "KDC_ERR_REVOCATION_STATUS_UNKNOWN", None, Error),
    e(74, "KDC_ERR_REVOCATION_STATUS_UNAVAILABLE", None, Error),
    e(75, "KDC_ERR_CLIENT_NAME_MISMATCH", None, Error),
    e(76, "KDC_ERR_KDC_NAME_MISMATCH", None, Error),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::outcome::code::is_sorted_unique;
    use crate::inspect::outcome::samples;
    use crate::inspect::outcome::stream::{Frame, Framing, frames};

    /// The one message of a Kerberos/TCP sample.
    fn tcp_message(bytes: &[u8]) -> Vec<u8> {
        match frames(bytes, Framing::Kerberos).next() {
            Some(Frame::Message(m)) => m.to_vec(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn table_is_sorted_and_routine_steps_are_not_failures() {
        assert!(is_sorted_unique(ERRORS));
        assert_eq!(error_code(24).meaning(), Some("wrong password"));
        assert_eq!(error_code(37).severity(), Severity::ClockSkew);
        assert_eq!(error_code(25).severity(), Severity::Routine);
        assert_eq!(error_code(52).severity(), Severity::Routine);
        assert_eq!(error_code(18).severity(), Severity::AccountProblem);
        assert_eq!(error_code(99).to_string(), "99");
    }

    #[test]
    fn real_udp_messages() {
        // kerberos-error.pcap 1 (tshark: realm LINUX.SHELL.COM, cname host,mus-n-cj0709,
        // sname krbtgt,LINUX.SHELL.COM, etypes 23,18,17,20,19,16,25,26).
        let req = parse(&samples::krb5_udp_as_req()).unwrap();
        assert_eq!(req.kind, Some(Kind::AsReq));
        assert_eq!(req.cname.as_deref(), Some("host/mus-n-cj0709"));
        assert_eq!(req.realm.as_deref(), Some("LINUX.SHELL.COM"));
        assert_eq!(req.sname.as_deref(), Some("krbtgt/LINUX.SHELL.COM"));
        assert_eq!(req.etypes, vec![23, 18, 17, 20, 19, 16, 25, 26]);
        assert!(!req.rc4_only() && req.outcome().is_none());
        // Frame 2: kerberos.error_code 52.
        let err = parse(&samples::krb5_udp_error_response_too_big()).unwrap();
        assert_eq!((err.kind, err.error_code), (Some(Kind::Error), Some(52)));
        assert_eq!(err.realm.as_deref(), Some("LINUX.SHELL.COM"));
        assert_eq!(err.sname.as_deref(), Some("krbtgt/LINUX.SHELL.COM"));
        let o = err.outcome().unwrap();
        assert_eq!(o.code.name(), Some("KRB_ERR_RESPONSE_TOO_BIG"));
        assert_eq!(o.severity, Severity::Routine);
        // kerberos-login.pcap 1, 2: a TGS exchange (tshark kerberos.ENCTYPE 23,-133,-128,3,
        // 1,24,-135; cname des; ticket sname host,xp1.denydc.com).
        let tgs = parse(&samples::krb5_udp_tgs_req()).unwrap();
        assert_eq!(tgs.kind, Some(Kind::TgsReq));
        assert_eq!(tgs.sname.as_deref(), Some("host/xp1.denydc.com"));
        assert_eq!(tgs.realm.as_deref(), Some("DENYDC.COM"));
        assert_eq!(tgs.etypes, vec![23, -133, -128, 3, 1, 24, -135]);
        let rep = parse(&samples::krb5_udp_tgs_rep()).unwrap();
        assert_eq!(rep.kind, Some(Kind::TgsRep));
        assert_eq!(rep.cname.as_deref(), Some("des"));
        assert_eq!(rep.crealm.as_deref(), Some("DENYDC.COM"));
        assert_eq!(rep.sname.as_deref(), Some("host/xp1.denydc.com"));
        assert_eq!(rep.outcome().unwrap().severity, Severity::Success);
    }

    #[test]
    fn real_tcp_messages() {
        // kerberos.pcap 1: AS-REQ (cname johnson-pc$, realm happycraft.org, etypes
        // 18,17,23,24,-135,3).
        let req = parse(&tcp_message(&samples::krb5_tcp_as_req())).unwrap();
        assert_eq!(req.cname.as_deref(), Some("johnson-pc$"));
        assert_eq!(req.realm.as_deref(), Some("happycraft.org"));
        assert_eq!(req.etypes, vec![18, 17, 23, 24, -135, 3]);
        // 2: KRB-ERROR 25 KDC_ERR_PREAUTH_REQUIRED.
        let e = parse(&tcp_message(&samples::krb5_tcp_error_preauth_required())).unwrap();
        assert_eq!(e.error_code, Some(25));
        assert_eq!(e.sname.as_deref(), Some("krbtgt/happycraft.org"));
        // 8: TGS-REP (cname JOHNSON-PC$, crealm HAPPYCRAFT.ORG).
        let rep = parse(&tcp_message(&samples::krb5_tcp_tgs_rep())).unwrap();
        assert_eq!(rep.cname.as_deref(), Some("JOHNSON-PC$"));
        assert_eq!(rep.crealm.as_deref(), Some("HAPPYCRAFT.ORG"));
        assert_eq!(rep.sname.as_deref(), Some("krbtgt/HAPPYCRAFT.ORG"));
        // 32: KRB-ERROR 13 with STATUS_NOT_SUPPORTED (0xc00000bb) in e-data.
        let e = parse(&tcp_message(&samples::krb5_tcp_error_badoption())).unwrap();
        assert_eq!(e.error_code, Some(13));
        assert_eq!(e.nt_status, Some(0xc000_00bb));
        assert_eq!(e.sname.as_deref(), Some("johnson-pc$@HAPPYCRAFT.ORG"));
        let o = e.outcome().unwrap();
        assert_eq!(
            o.to_string(),
            "kerberos KDC_ERR_BADOPTION (13) [STATUS_NOT_SUPPORTED (0xC00000BB)]: \
             the server does not support the request"
        );
    }

    #[test]
    fn rc4_only_requests_are_flagged() {
        let mut m = KerberosMessage {
            etypes: vec![23, 24],
            ..KerberosMessage::default()
        };
        assert!(m.rc4_only());
        m.etypes.push(18);
        assert!(!m.rc4_only());
        m.etypes.clear();
        assert!(!m.rc4_only());
    }

    #[test]
    fn truncated_and_garbage_inputs_yield_nothing() {
        for sample in [
            samples::krb5_udp_as_req(),
            samples::krb5_udp_error_response_too_big(),
            samples::krb5_udp_tgs_rep(),
        ] {
            for cut in 0..sample.len() {
                assert_eq!(parse(&sample[..cut]), None, "cut {cut}");
            }
            let mut flipped = sample.clone();
            for i in 0..flipped.len() {
                flipped[i] ^= 0xff;
                let _ = parse(&flipped);
                flipped[i] ^= 0xff;
            }
        }
        assert_eq!(parse(b""), None);
        assert_eq!(parse(&[0x7e, 0x80]), None);
        // A KRB-ERROR inside a GSS-API token, behind SPNEGO bytes.
        let mut blob = vec![0xa1, 0x10, 0x60, 0x20];
        blob.extend([
            0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02, 0x03, 0x00,
        ]);
        blob.extend(samples::krb5_udp_error_response_too_big());
        assert_eq!(find_in_gss(&blob).and_then(|m| m.error_code), Some(52));
        assert_eq!(find_in_gss(&blob[..20]), None);
    }
}
