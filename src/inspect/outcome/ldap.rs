//! LDAP and CLDAP messages ([RFC 4511] 4.1.1): the messageID and protocol operation of
//! one LDAPMessage, as [`Framing::Ber`](super::stream::Framing::Ber) cuts them from a TCP
//! stream or as one UDP datagram holds one (CLDAP, [MS-ADTS] 6.3.3: the same BER, no
//! other framing). From a BindRequest: the version, the name, and the method (simple,
//! with whether it is anonymous but never the password; SASL with its mechanism and any
//! NTLM or Kerberos message in the credentials; Microsoft's Sicily NTLM binds). From the
//! responses (bind, search done, modify, add, delete, modify DN, compare, extended): the
//! resultCode with its RFC 4511 name, the matchedDN and diagnosticMessage, and the Win32
//! code Active Directory writes after "data " in a failed bind's diagnostic message
//! (`80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data 52e,
//! v4563`), named. From a SearchRequest: the base and the equality assertions of the
//! filter (the DnsDomain, Host and NtVer of a CLDAP DC-locator ping).

use super::ber::{self, Class, Tlv};
use super::code::{Code, Entry, Outcome, Protocol, Severity, Space};
use super::kerberos::{self, KerberosMessage};
use super::ntlmssp::{self, NtlmMessage};
use super::text::{self, MAX_ITEMS};

/// Application tags of the protocol operations ([RFC 4511] 4.2 - 4.14).
pub mod op {
    /// BindRequest.
    pub const BIND_REQUEST: u32 = 0;
    /// BindResponse.
    pub const BIND_RESPONSE: u32 = 1;
    /// UnbindRequest.
    pub const UNBIND_REQUEST: u32 = 2;
    /// SearchRequest.
    pub const SEARCH_REQUEST: u32 = 3;
    /// SearchResultEntry.
    pub const SEARCH_RESULT_ENTRY: u32 = 4;
    /// SearchResultDone.
    pub const SEARCH_RESULT_DONE: u32 = 5;
    /// ModifyResponse.
    pub const MODIFY_RESPONSE: u32 = 7;
    /// AddResponse.
    pub const ADD_RESPONSE: u32 = 9;
    /// DelResponse.
    pub const DEL_RESPONSE: u32 = 11;
    /// ModifyDNResponse.
    pub const MODIFY_DN_RESPONSE: u32 = 13;
    /// CompareResponse.
    pub const COMPARE_RESPONSE: u32 = 15;
    /// SearchResultReference.
    pub const SEARCH_RESULT_REFERENCE: u32 = 19;
    /// ExtendedRequest.
    pub const EXTENDED_REQUEST: u32 = 23;
    /// ExtendedResponse.
    pub const EXTENDED_RESPONSE: u32 = 24;
}

/// One LDAPMessage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LdapMessage {
    /// messageID.
    pub message_id: i64,
    /// The protocol operation.
    pub op: LdapOp,
}

/// A protocol operation, as far as the outcome needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LdapOp {
    /// BindRequest.
    BindRequest {
        /// version (3 for LDAPv3).
        version: i64,
        /// name: the DN or account that binds (empty for anonymous and most SASL binds).
        name: String,
        /// How it authenticates.
        auth: BindAuth,
    },
    /// BindResponse.
    BindResponse {
        /// The result.
        result: LdapResult,
        /// The NTLM message of serverSaslCreds (a CHALLENGE), if any.
        ntlm: Option<Box<NtlmMessage>>,
        /// The Kerberos message of serverSaslCreds (AP-REP or KRB-ERROR), if any.
        kerberos: Option<Box<KerberosMessage>>,
    },
    /// UnbindRequest.
    UnbindRequest,
    /// SearchRequest.
    SearchRequest {
        /// baseObject.
        base: String,
        /// The (attribute, value) pairs of the filter's equality matches, at the top or
        /// inside an `and` (at most [`MAX_ITEMS`]).
        equals: Vec<(String, String)>,
    },
    /// SearchResultEntry: the object and the names of its attributes.
    SearchResultEntry {
        /// objectName.
        object: String,
        /// The attribute types returned (at most [`MAX_ITEMS`]).
        attributes: Vec<String>,
    },
    /// A response that is an LDAPResult: SearchResultDone, ModifyResponse, AddResponse,
    /// DelResponse, ModifyDNResponse, CompareResponse, ExtendedResponse (`tag` says
    /// which).
    Result {
        /// The operation's application tag.
        tag: u32,
        /// The result.
        result: LdapResult,
    },
    /// Any other operation.
    Other {
        /// Its application tag.
        tag: u32,
    },
}

/// How a BindRequest authenticates ([RFC 4511] 4.2; Sicily: [MS-ADTS] 5.1.1.1.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BindAuth {
    /// simple \[0\]: a password (never kept), empty for an anonymous bind.
    Simple {
        /// Whether the password is empty (an anonymous or unauthenticated bind).
        anonymous: bool,
    },
    /// sasl \[3\].
    Sasl {
        /// The mechanism (`GSS-SPNEGO`, `GSSAPI`, `EXTERNAL`, `DIGEST-MD5`).
        mechanism: String,
        /// An NTLM message in the credentials, when visible.
        ntlm: Option<Box<NtlmMessage>>,
        /// A Kerberos message in the credentials, when visible.
        kerberos: Option<Box<KerberosMessage>>,
    },
    /// sicilyPackageDiscovery \[9\], sicilyNegotiate \[10\], sicilyResponse \[11\]: NTLM
    /// carried directly in the bind.
    Sicily {
        /// The NTLM message, when there is one.
        ntlm: Option<Box<NtlmMessage>>,
    },
    /// Another choice.
    Other {
        /// Its context tag.
        tag: u32,
    },
}

/// An LDAPResult.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LdapResult {
    /// resultCode.
    pub code: i64,
    /// matchedDN.
    pub matched_dn: String,
    /// diagnosticMessage.
    pub diagnostic: String,
    /// The Win32 error code after "data " in an Active Directory diagnostic message.
    pub ad_data: Option<u32>,
}

impl LdapResult {
    /// The outcome: the resultCode, with the AD data code as detail.
    pub fn outcome(&self) -> Outcome {
        Outcome::new(
            Protocol::Ldap,
            result_code(self.code),
            self.ad_data.map(ad_data_code),
        )
    }
}

impl LdapMessage {
    /// The result of a response.
    pub fn result(&self) -> Option<&LdapResult> {
        match &self.op {
            LdapOp::BindResponse { result, .. } | LdapOp::Result { result, .. } => Some(result),
            _ => None,
        }
    }

    /// A response's outcome (with the Kerberos error of a bind's serverSaslCreds as
    /// detail when the result carries no AD data code).
    pub fn outcome(&self) -> Option<Outcome> {
        let result = self.result()?;
        let mut o = result.outcome();
        if let LdapOp::BindResponse {
            kerberos: Some(k), ..
        } = &self.op
        {
            if o.detail.is_none() {
                if let Some(code) = k.error_code {
                    o = Outcome::new(Protocol::Ldap, o.code, Some(kerberos::error_code(code)));
                }
            }
        }
        Some(o)
    }
}

/// The LDAP resultCode `value`, named when the table knows it.
pub fn result_code(value: i64) -> Code {
    Code::new(Space::LdapResult, value, RESULT_CODES)
}

/// The Active Directory data code `value`, named when the table knows it.
pub fn ad_data_code(value: u32) -> Code {
    Code::new(Space::AdDataCode, i64::from(value), AD_DATA_CODES)
}

/// The hexadecimal Win32 code after "data " in an AD diagnostic message.
pub fn ad_data(diagnostic: &str) -> Option<u32> {
    let at = diagnostic.find("data ")? + "data ".len();
    let digits: String = diagnostic[at..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .take(8)
        .collect();
    u32::from_str_radix(&digits, 16).ok()
}

/// Parses one LDAPMessage (the whole BER SEQUENCE).
pub fn parse(msg: &[u8]) -> Option<LdapMessage> {
    let seq = ber::read_one(msg).filter(Tlv::is_sequence)?;
    let mut items = seq.children();
    let id = items
        .next()
        .filter(|t| t.is(Class::Universal, ber::universal::INTEGER))?;
    let op = items.next().filter(|t| t.class == Class::Application)?;
    Some(LdapMessage {
        message_id: id.integer()?,
        op: operation(&op)?,
    })
}

fn operation(op: &Tlv) -> Option<LdapOp> {
    Some(match op.tag {
        op::BIND_REQUEST => {
            let mut f = op.children();
            let version = f.next()?.integer()?;
            let name = f.next()?.text();
            let auth = f.next()?;
            LdapOp::BindRequest {
                version,
                name,
                auth: bind_auth(&auth),
            }
        }
        op::BIND_RESPONSE => {
            let result = ldap_result(op)?;
            // serverSaslCreds [7] OCTET STRING, after the LDAPResult fields.
            let creds = op.context(7).map(|c| c.value).unwrap_or(&[]);
            LdapOp::BindResponse {
                result,
                ntlm: ntlmssp::find(creds).map(Box::new),
                kerberos: kerberos::find_in_gss(creds).map(Box::new),
            }
        }
        op::UNBIND_REQUEST => LdapOp::UnbindRequest,
        op::SEARCH_REQUEST => {
            let mut f = op.children();
            let base = f.next()?.text();
            // scope, derefAliases, sizeLimit, timeLimit, typesOnly, then the filter.
            let filter = f.nth(5)?;
            let mut equals = Vec::new();
            equality_matches(&filter, 0, &mut equals);
            LdapOp::SearchRequest { base, equals }
        }
        op::SEARCH_RESULT_ENTRY => {
            let mut f = op.children();
            let object = f.next()?.text();
            let attributes = f
                .next()
                .map(|list| {
                    list.children()
                        .filter_map(|a| a.children().next().map(|t| t.text()))
                        .take(MAX_ITEMS)
                        .collect()
                })
                .unwrap_or_default();
            LdapOp::SearchResultEntry { object, attributes }
        }
        op::SEARCH_RESULT_DONE
        | op::MODIFY_RESPONSE
        | op::ADD_RESPONSE
        | op::DEL_RESPONSE
        | op::MODIFY_DN_RESPONSE
        | op::COMPARE_RESPONSE
        | op::EXTENDED_RESPONSE => LdapOp::Result {
            tag: op.tag,
            result: ldap_result(op)?,
        },
        tag => LdapOp::Other { tag },
    })
}

/// The LDAPResult fields at the start of a response operation.
fn ldap_result(op: &Tlv) -> Option<LdapResult> {
    let mut f = op.children();
    let code = f
        .next()
        .filter(|t| t.is(Class::Universal, ber::universal::ENUMERATED))?
        .integer()?;
    let matched_dn = f.next()?.text();
    let diagnostic = f.next()?.text();
    let ad_data = if code == 0 {
        None
    } else {
        ad_data(&diagnostic)
    };
    Some(LdapResult {
        code,
        matched_dn,
        diagnostic,
        ad_data,
    })
}

/// The AuthenticationChoice of a BindRequest.
fn bind_auth(auth: &Tlv) -> BindAuth {
    if auth.class != Class::Context {
        return BindAuth::Other { tag: auth.tag };
    }
    match auth.tag {
        0 => BindAuth::Simple {
            anonymous: auth.value.is_empty(),
        },
        3 => {
            // SaslCredentials ::= SEQUENCE { mechanism LDAPString, credentials OCTET
            // STRING OPTIONAL }, implicitly tagged [3].
            let mut f = auth.children();
            let mechanism = f.next().map(|m| m.text()).unwrap_or_default();
            let creds = f.next().map(|c| c.value).unwrap_or(&[]);
            BindAuth::Sasl {
                mechanism,
                ntlm: ntlmssp::find(creds).map(Box::new),
                kerberos: kerberos::find_in_gss(creds).map(Box::new),
            }
        }
        9..=11 => BindAuth::Sicily {
            ntlm: ntlmssp::find(auth.value).map(Box::new),
        },
        tag => BindAuth::Other { tag },
    }
}

/// Collects the equalityMatch \[3\] assertions of a filter, at the top or inside `and` \[0\]
/// and `or` \[1\], to a bounded depth.
fn equality_matches(filter: &Tlv, depth: usize, out: &mut Vec<(String, String)>) {
    if filter.class != Class::Context || depth > 4 {
        return;
    }
    match filter.tag {
        0 | 1 => {
            for f in filter.children() {
                if out.len() >= MAX_ITEMS {
                    return;
                }
                equality_matches(&f, depth + 1, out);
            }
        }
        3 => {
            let mut f = filter.children();
            if let (Some(attr), Some(value)) = (f.next(), f.next()) {
                let value = if value
                    .value
                    .iter()
                    .all(|b| b.is_ascii_graphic() || *b == b' ')
                {
                    value.text()
                } else {
                    // Binary values (NtVer, DomainGuid) as hex.
                    let hex: String = value
                        .value
                        .iter()
                        .take(64)
                        .map(|b| format!("{b:02x}"))
                        .collect();
                    text::printable(&hex)
                };
                out.push((attr.text(), value));
            }
        }
        _ => {}
    }
}

const fn e(value: i64, name: &'static str, meaning: Option<&'static str>, s: Severity) -> Entry {
    Entry::new(value, name, meaning, s)
}

use Severity::{AccessDenied, AccountProblem, Error, LogonFailure, Routine, Success};

/// resultCode values of [RFC 4511] 4.1.9 and Appendix A, with those later RFCs
/// registered (RFC 3909 cancel, 118-121; RFC 4370 proxied authorization, 123), sorted.
#[rustfmt::skip]
pub const RESULT_CODES: &[Entry] = &[
    e(0, "success", None, Success),
    e(1, "operationsError", Some("the operation is not properly sequenced (e.g. a bind is needed first)"), Error),
    e(2, "protocolError", Some("the server could not read the request, or does not support its version"), Error),
    e(3, "timeLimitExceeded", None, Error),
    e(4, "sizeLimitExceeded", Some("more results than the size limit allows (the rest were not returned)"), Error),
    e(5, "compareFalse", None, Success),
    e(6, "compareTrue", None, Success),
    e(7, "authMethodNotSupported", Some("the server does not support this authentication method"), Error),
    e(8, "strongerAuthRequired", Some("the server requires signing, sealing or TLS (LDAP signing policy)"), Error),
    e(10, "referral", Some("the object is on another server (a referral)"), Routine),
    e(11, "adminLimitExceeded", Some("an administrative limit was exceeded (e.g. MaxPageSize)"), Error),
    e(12, "unavailableCriticalExtension", Some("a control marked critical is not supported"), Error),
    e(13, "confidentialityRequired", Some("the server requires an encrypted connection (TLS)"), Error),
    e(14, "saslBindInProgress", Some("the SASL exchange continues (a normal step)"), Routine),
    e(16, "noSuchAttribute", None, Error),
    e(17, "undefinedAttributeType", None, Error),
    e(18, "inappropriateMatching", None, Error),
    e(19, "constraintViolation", Some("a value violates a constraint (e.g. the password policy)"), Error),
    e(20, "attributeOrValueExists", None, Error),
    e(21, "invalidAttributeSyntax", None, Error),
    e(32, "noSuchObject", Some("the object (or the search base) does not exist"), Error),
    e(33, "aliasProblem", None, Error),
    e(34, "invalidDNSyntax", Some("the DN is not well formed"), Error),
    e(36, "aliasDereferencingProblem", None, Error),
    e(48, "inappropriateAuthentication", Some("this kind of bind is not allowed (e.g. anonymous)"), LogonFailure),
    e(49, "invalidCredentials", Some("wrong user name or password (AD's data code says more)"), LogonFailure),
    e(50, "insufficientAccessRights", Some("access denied"), AccessDenied),
    e(51, "busy", Some("the server is too busy"), Error),
    e(52, "unavailable", Some("the server is shutting down or not ready"), Error),
    e(53, "unwillingToPerform", Some("the server refuses the operation (e.g. a password change over an unencrypted connection)"), Error),
    e(54, "loopDetect", None, Error),
    e(64, "namingViolation", None, Error),
    e(65, "objectClassViolation", None, Error),
    e(66, "notAllowedOnNonLeaf", None, Error),
    e(67, "notAllowedOnRDN", None, Error),
    e(68, "entryAlreadyExists", None, Error),
    e(69, "objectClassModsProhibited", None, Error),
    e(71, "affectsMultipleDSAs", None, Error),
    e(80, "other", None, Error),
    e(118, "canceled", None, Routine),
    e(119, "noSuchOperation", None, Error),
    e(120, "tooLate", None, Error),
    e(121, "cannotCancel", None, Error),
    e(123, "authorizationDenied", None, AccessDenied),
];

/// The Win32 codes Active Directory puts after "data " in a failed bind's diagnostic
/// message, by the names of their Win32 errors, sorted.
#[rustfmt::skip]
pub const AD_DATA_CODES: &[Entry] = &[
    e(0x525, "ERROR_NO_SUCH_USER", Some("user not found"), LogonFailure),
    e(0x52e, "ERROR_LOGON_FAILURE", Some("invalid credentials (bad password)"), LogonFailure),
    e(0x530, "ERROR_INVALID_LOGON_HOURS", Some("not permitted to logon at this time"), LogonFailure),
    e(0x531, "ERROR_INVALID_WORKSTATION", Some("not permitted to logon at this workstation"), LogonFailure),
    e(0x532, "ERROR_PASSWORD_EXPIRED", Some("password expired"), AccountProblem),
    e(0x533, "ERROR_ACCOUNT_DISABLED", Some("account disabled"), AccountProblem),
    e(0x701, "ERROR_ACCOUNT_EXPIRED", Some("account expired"), AccountProblem),
    e(0x773, "ERROR_PASSWORD_MUST_CHANGE", Some("user must reset password"), AccountProblem),
    e(0x775, "ERROR_ACCOUNT_LOCKED_OUT", Some("account locked out"), AccountProblem),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::outcome::code::is_sorted_unique;
    use crate::inspect::outcome::samples;

    /// A BER element.
    fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        if value.len() < 0x80 {
            out.push(value.len() as u8);
        } else {
            out.push(0x82);
            out.extend((value.len() as u16).to_be_bytes());
        }
        out.extend(value);
        out
    }

    fn message(id: u8, op: Vec<u8>) -> Vec<u8> {
        let mut body = tlv(0x02, &[id]);
        body.extend(op);
        tlv(0x30, &body)
    }

    fn result_op(tag: u8, code: u8, diagnostic: &str) -> Vec<u8> {
        let mut r = tlv(0x0a, &[code]);
        r.extend(tlv(0x04, b""));
        r.extend(tlv(0x04, diagnostic.as_bytes()));
        tlv(tag, &r)
    }

    #[test]
    fn tables_are_sorted() {
        assert!(is_sorted_unique(RESULT_CODES) && is_sorted_unique(AD_DATA_CODES));
        assert_eq!(result_code(49).name(), Some("invalidCredentials"));
        assert_eq!(result_code(14).severity(), Severity::Routine);
    }

    #[test]
    fn a_real_bind_response_with_kerberos_in_its_sasl_credentials() {
        // kerberos.pcap 14: bindResponse(3) success (tshark ldap.resultCode 0,
        // ldap.messageID 3), an AP-REP in serverSaslCreds.
        let m = parse(&samples::ldap_bind_response()).unwrap();
        assert_eq!(m.message_id, 3);
        let LdapOp::BindResponse {
            result,
            kerberos: Some(k),
            ..
        } = &m.op
        else {
            panic!("{:?}", m.op);
        };
        assert_eq!((result.code, result.ad_data), (0, None));
        assert_eq!(k.kind, Some(kerberos::Kind::ApRep));
        assert_eq!(m.outcome().unwrap().severity, Severity::Success);
        let bytes = samples::ldap_bind_response();
        for cut in 0..bytes.len() {
            assert_eq!(parse(&bytes[..cut]), None, "cut {cut}");
        }
    }

    #[test]
    fn active_directory_bind_failures_name_their_data_code() {
        let diag = "80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data 52e, v4563";
        assert_eq!(ad_data(diag), Some(0x52e));
        let m = parse(&message(2, result_op(0x61, 49, diag))).unwrap();
        let o = m.outcome().unwrap();
        assert_eq!(o.code.to_string(), "invalidCredentials (49)");
        assert_eq!(o.detail.unwrap().to_string(), "ERROR_LOGON_FAILURE (0x52E)");
        assert_eq!(o.meaning(), Some("invalid credentials (bad password)"));
        assert_eq!(o.severity, Severity::LogonFailure);
        let locked = diag.replace("52e", "775");
        let o = parse(&message(2, result_op(0x61, 49, &locked)))
            .unwrap()
            .outcome()
            .unwrap();
        assert_eq!(
            (o.severity, o.meaning()),
            (Severity::AccountProblem, Some("account locked out"))
        );
        assert_eq!(ad_data("no data here"), None);
        // Other responses carry an LDAPResult too.
        let m = parse(&message(9, result_op(0x65, 32, "0000208D: NameErr"))).unwrap();
        assert!(matches!(
            m.op,
            LdapOp::Result {
                tag: op::SEARCH_RESULT_DONE,
                ..
            }
        ));
        assert_eq!(m.outcome().unwrap().code.name(), Some("noSuchObject"));
        // A diagnostic with terminal escapes is printable.
        let m = parse(&message(1, result_op(0x67, 53, "bad\u{1b}[2J"))).unwrap();
        assert_eq!(m.result().unwrap().diagnostic, "bad\u{fffd}[2J");
    }

    #[test]
    fn bind_requests_simple_sasl_and_sicily() {
        let mut bind = tlv(0x02, &[3]);
        bind.extend(tlv(0x04, b"CN=svc,DC=corp"));
        bind.extend(tlv(0x80, b"secret"));
        let m = parse(&message(1, tlv(0x60, &bind))).unwrap();
        assert_eq!(
            m.op,
            LdapOp::BindRequest {
                version: 3,
                name: "CN=svc,DC=corp".into(),
                auth: BindAuth::Simple { anonymous: false }
            }
        );
        assert!(
            !format!("{m:?}").contains("secret"),
            "passwords are never kept"
        );
        let ntlm = samples::ntlm_authenticate("CORP", "carol", "WS", 100);
        let mut sasl = tlv(0x04, b"GSS-SPNEGO");
        let mut spnego = vec![0xa1, 0x81, 0x00];
        spnego.extend(&ntlm);
        sasl.extend(tlv(0x04, &spnego));
        let mut bind = tlv(0x02, &[3]);
        bind.extend(tlv(0x04, b""));
        bind.extend(tlv(0xa3, &sasl));
        let m = parse(&message(2, tlv(0x60, &bind))).unwrap();
        let LdapOp::BindRequest {
            auth:
                BindAuth::Sasl {
                    mechanism,
                    ntlm: Some(n),
                    ..
                },
            ..
        } = &m.op
        else {
            panic!("{:?}", m.op);
        };
        assert_eq!(mechanism, "GSS-SPNEGO");
        assert!(matches!(n.as_ref(), NtlmMessage::Authenticate(a) if a.user == "carol"));
        let mut bind = tlv(0x02, &[3]);
        bind.extend(tlv(0x04, b""));
        bind.extend(tlv(0x8b, &ntlm));
        let m = parse(&message(3, tlv(0x60, &bind))).unwrap();
        assert!(matches!(
            m.op,
            LdapOp::BindRequest {
                auth: BindAuth::Sicily { ntlm: Some(_) },
                ..
            }
        ));
    }

    #[test]
    fn a_cldap_locator_ping_and_its_answer() {
        // (&(DnsDomain=corp.example)(Host=WS01)(NtVer=\06\00\00\00)), attributes Netlogon.
        let eq = |a: &[u8], v: &[u8]| {
            let mut x = tlv(0x04, a);
            x.extend(tlv(0x04, v));
            tlv(0xa3, &x)
        };
        let mut and = eq(b"DnsDomain", b"corp.example");
        and.extend(eq(b"Host", b"WS01"));
        and.extend(eq(b"NtVer", &[6, 0, 0, 0]));
        let mut search = tlv(0x04, b"");
        for v in [
            [0x0a, 1, 0],
            [0x0a, 1, 0],
            [0x02, 1, 0],
            [0x02, 1, 0],
            [0x01, 1, 0],
        ] {
            search.extend(v);
        }
        search.extend(tlv(0xa0, &and));
        search.extend(tlv(0x30, &tlv(0x04, b"Netlogon")));
        let m = parse(&message(5, tlv(0x63, &search))).unwrap();
        let LdapOp::SearchRequest { base, equals } = &m.op else {
            panic!("{:?}", m.op);
        };
        assert!(base.is_empty());
        assert_eq!(
            equals,
            &[
                ("DnsDomain".into(), "corp.example".into()),
                ("Host".into(), "WS01".into()),
                ("NtVer".into(), "06000000".into())
            ]
        );
        let mut attr = tlv(0x04, b"Netlogon");
        attr.extend(tlv(0x31, &tlv(0x04, &[0x17, 0, 0, 0])));
        let mut entry = tlv(0x04, b"");
        entry.extend(tlv(0x30, &tlv(0x30, &attr)));
        let m = parse(&message(5, tlv(0x64, &entry))).unwrap();
        assert_eq!(
            m.op,
            LdapOp::SearchResultEntry {
                object: String::new(),
                attributes: vec!["Netlogon".into()]
            }
        );
        let done = parse(&message(5, result_op(0x65, 0, ""))).unwrap();
        assert_eq!(done.outcome().unwrap().severity, Severity::Success);
    }

    #[test]
    fn garbage_yields_nothing() {
        assert_eq!(parse(b""), None);
        assert_eq!(parse(&[0x30, 0x03, 0x02, 0x01, 0x01]), None);
        assert_eq!(parse(&[0x30, 0x05, 0x04, 0x01, 0x01, 0x61, 0x00]), None);
        let mut rng = wiretally_synth::Rng::new(3);
        for _ in 0..2000 {
            let len = (rng.next_u64() % 64) as usize;
            let mut b: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
            if let Some(first) = b.first_mut() {
                *first = 0x30;
            }
            let _ = parse(&b);
        }
    }
}
