//! What a flow's server answered, as the outcome parsers' callers collect it: each
//! distinct answer (protocol, operation, code, account, name) with its count, bounded per
//! flow, and the SMB session facts. The words of it (the protocols and how bad an answer
//! is) are here too, so that the flow table can carry a flow's answers and the report
//! model can name them.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

/// Distinct answers (kind, account, name) kept per flow with their counts; past this an
/// answer is still counted under its kind, without its account and name, and past twice
/// this (a flow of crafted codes) in the flow's `dropped`.
pub const MAX_ANSWERS_PER_FLOW: usize = 64;

/// The application protocol an answer belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AppProtocol {
    /// DCE/RPC (connection-oriented), on its own port or inside SMB named pipes.
    Dcerpc,
    /// DNS, over UDP or TCP.
    Dns,
    /// Kerberos, over UDP or TCP.
    Kerberos,
    /// LDAP over TCP, and CLDAP over UDP.
    Ldap,
    /// SMB1, SMB2 and SMB3 (with the NTLM logon inside SESSION_SETUP).
    Smb,
}

impl AppProtocol {
    /// The name in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            AppProtocol::Dcerpc => "dcerpc",
            AppProtocol::Dns => "dns",
            AppProtocol::Kerberos => "kerberos",
            AppProtocol::Ldap => "ldap",
            AppProtocol::Smb => "smb",
        }
    }
}

impl fmt::Display for AppProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an answer means for an administrator, worst first: the order of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeClass {
    /// A logon refused for its credentials: wrong password, no such account.
    LogonFailure,
    /// An account that may not log on: locked out, disabled, expired, password expired
    /// or to be changed, outside its logon hours or workstations.
    AccountRestricted,
    /// Access denied to a share, object or call.
    AccessDenied,
    /// Kerberos refused the client's clock (more than the allowed skew apart).
    ClockSkew,
    /// A DNS lookup of a domain controller locator name failed: clients cannot find a DC.
    DcLocatorFailure,
    /// Any other error answer.
    Error,
    /// A normal step of a protocol that looks like an error (Kerberos pre-authentication
    /// required, SMB more processing required, LDAP SASL bind in progress).
    Routine,
    /// Success.
    Ok,
}

impl OutcomeClass {
    /// The name in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeClass::LogonFailure => "logon_failure",
            OutcomeClass::AccountRestricted => "account_restricted",
            OutcomeClass::AccessDenied => "access_denied",
            OutcomeClass::ClockSkew => "clock_skew",
            OutcomeClass::DcLocatorFailure => "dc_locator_failure",
            OutcomeClass::Error => "error",
            OutcomeClass::Routine => "routine",
            OutcomeClass::Ok => "ok",
        }
    }

    /// Whether the answer is a failure of some kind (not routine, not success).
    pub fn is_failure(self) -> bool {
        !matches!(self, OutcomeClass::Routine | OutcomeClass::Ok)
    }
}

impl fmt::Display for OutcomeClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One answer a server gave, as the outcome parsers read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The protocol.
    pub protocol: AppProtocol,
    /// What was answered (`AS-REQ`, `SESSION_SETUP`, `bind`, `query`, ...).
    pub operation: &'static str,
    /// The protocol's code.
    pub code: u64,
    /// The code's name, or the code in hex.
    pub name: Cow<'static, str>,
    /// A more specific code it carried, as `NAME (code)`.
    pub detail: Option<Cow<'static, str>>,
    /// Its plain meaning, where known.
    pub meaning: Option<&'static str>,
    /// How bad it is.
    pub class: OutcomeClass,
    /// The account it was for, if the messages named one.
    pub account: Option<Box<str>>,
    /// What it was about (query name, share, SPN, RPC operation), if anything.
    pub about: Option<Box<str>>,
}

/// The SMB session facts of one flow.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SmbSession {
    /// The dialect the server chose (0x0202 .. 0x0311; 0x0001 for SMB1), if seen.
    pub dialect: Option<u16>,
    /// The server required signing.
    pub signing_required: bool,
    /// The traffic was encrypted.
    pub encrypted: bool,
}

/// The name of an SMB dialect revision.
pub fn dialect_name(dialect: u16) -> Cow<'static, str> {
    Cow::Borrowed(match dialect {
        0x0001 => "SMB1",
        0x0202 => "SMB 2.0.2",
        0x0210 => "SMB 2.1",
        0x02ff => "SMB 2.???",
        0x0300 => "SMB 3.0",
        0x0302 => "SMB 3.0.2",
        0x0311 => "SMB 3.1.1",
        other => return Cow::Owned(format!("SMB dialect 0x{other:04x}")),
    })
}

/// What the parsers read on one flow: its distinct answers with how often each came
/// (see [`MAX_ANSWERS_PER_FLOW`]), and its SMB session facts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlowAnswers {
    /// The distinct answers in the order they first came, each with its count.
    pub answers: Vec<(Answer, u64)>,
    /// Answers beyond every bound.
    pub dropped: u64,
    /// SMB session facts, when the flow carried SMB.
    pub smb: Option<SmbSession>,
}

impl FlowAnswers {
    /// Adds the answers and facts of `more` (read later on the same flow).
    pub fn merge(&mut self, more: FlowAnswers) {
        for (answer, n) in more.answers {
            self.push_n(answer, n);
        }
        self.dropped += more.dropped;
        if let Some(s) = more.smb {
            let mine = self.smb.get_or_insert_with(SmbSession::default);
            mine.dialect = s.dialect.or(mine.dialect);
            mine.signing_required |= s.signing_required;
            mine.encrypted |= s.encrypted;
        }
    }

    /// Counts an answer.
    pub fn push(&mut self, answer: Answer) {
        self.push_n(answer, 1);
    }

    /// Counts an answer `n` times.
    pub fn push_n(&mut self, answer: Answer, n: u64) {
        if let Some(slot) = self.answers.iter_mut().find(|(a, _)| *a == answer) {
            slot.1 += n;
        } else if self.answers.len() < MAX_ANSWERS_PER_FLOW {
            self.answers.push((answer, n));
        } else {
            let bare = Answer {
                account: None,
                about: None,
                ..answer
            };
            if let Some(slot) = self.answers.iter_mut().find(|(a, _)| *a == bare) {
                slot.1 += n;
            } else if self.answers.len() < 2 * MAX_ANSWERS_PER_FLOW {
                self.answers.push((bare, n));
            } else {
                self.dropped += n;
            }
        }
    }

    /// Answers counted in all.
    pub fn count(&self) -> u64 {
        self.answers.iter().map(|(_, n)| n).sum()
    }

    /// The worst answer of the flow (the first of the worst class).
    pub fn worst(&self) -> Option<&Answer> {
        self.answers.iter().map(|(a, _)| a).min_by_key(|a| a.class)
    }

    /// The first account any answer names.
    pub fn account(&self) -> Option<&str> {
        self.answers.iter().find_map(|(a, _)| a.account.as_deref())
    }

    /// Whether a DNS answer on the flow was an error (the lookup failed).
    pub fn dns_error(&self) -> bool {
        self.answers
            .iter()
            .any(|(a, _)| a.protocol == AppProtocol::Dns && a.class.is_failure())
    }

    /// Whether the flow holds nothing to report.
    pub fn is_empty(&self) -> bool {
        self.answers.is_empty() && self.smb.is_none() && self.dropped == 0
    }
}
