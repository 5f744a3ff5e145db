//! The common notion of an answer: a [`Code`] in one of the code spaces the protocols
//! define ([`Space`]), named by a table [`Entry`] when the table knows it, and an
//! [`Outcome`] that a report can rank by [`Severity`] (logon failures, locked or disabled
//! accounts, clock skew, DC-locator failures and access denials before other errors,
//! routine intermediate steps last).

use std::fmt;

/// How much an answer matters to someone troubleshooting Windows services, least first.
/// The order is the ranking of reports: the greatest severity comes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The request did what it asked.
    Success,
    /// A normal intermediate step, not a failure (more processing required,
    /// pre-authentication required, a response too big for UDP, a pending call).
    Routine,
    /// An error of another kind (a missing file, a refused option, a bad parameter).
    Error,
    /// The server refused the caller access to what it asked for.
    AccessDenied,
    /// A name the domain-controller locator depends on did not resolve.
    LocatorFailure,
    /// The clocks of client and server are too far apart for Kerberos.
    ClockSkew,
    /// A logon was refused for its credentials or restrictions (wrong password, no such
    /// user, logon hours, workstation, policy).
    LogonFailure,
    /// The account itself cannot log on: locked out, disabled, expired, or its password
    /// expired or must be changed.
    AccountProblem,
}

impl Severity {
    /// Whether the answer is a failure of some kind (not success, not a routine step).
    pub fn is_failure(self) -> bool {
        self >= Severity::Error
    }

    /// The name in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Success => "success",
            Severity::Routine => "routine",
            Severity::Error => "error",
            Severity::AccessDenied => "access_denied",
            Severity::LocatorFailure => "locator_failure",
            Severity::ClockSkew => "clock_skew",
            Severity::LogonFailure => "logon_failure",
            Severity::AccountProblem => "account_problem",
        }
    }
}

/// The protocol whose parser produced an outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    /// Kerberos (88/tcp, 88/udp, or inside GSS-API tokens).
    Kerberos,
    /// SMB1 or SMB2/3.
    Smb,
    /// The NetBIOS session service framing SMB on 139/tcp.
    NetBios,
    /// LDAP or CLDAP.
    Ldap,
    /// DNS.
    Dns,
    /// Connection-oriented DCE/RPC.
    DceRpc,
}

impl Protocol {
    /// The name in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Kerberos => "kerberos",
            Protocol::Smb => "smb",
            Protocol::NetBios => "netbios",
            Protocol::Ldap => "ldap",
            Protocol::Dns => "dns",
            Protocol::DceRpc => "dcerpc",
        }
    }
}

/// The code spaces: which specification numbers a code, and so how it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Space {
    /// Kerberos error-code ([RFC 4120] 7.5.9, [MS-KILE]), decimal.
    KerberosError,
    /// NTSTATUS ([MS-ERREF] 2.3), hexadecimal.
    NtStatus,
    /// NetBIOS negative session response error code ([RFC 1002] 4.3.4), hexadecimal.
    NetBiosSession,
    /// LDAP resultCode ([RFC 4511] 4.1.9), decimal.
    LdapResult,
    /// The Win32 error code Active Directory puts after "data " in an LDAP bind's
    /// diagnostic message, hexadecimal as AD writes it.
    AdDataCode,
    /// DNS RCODE ([RFC 1035], [RFC 6895]), decimal.
    DnsRcode,
    /// A DCE/RPC fault status: an NCA status (\[C706\] appendix E) or a Win32 error
    /// ([MS-RPCE] 3.1.1.5.5), hexadecimal.
    RpcStatus,
    /// A DCE/RPC bind_nak provider reject reason (\[C706\] 12.6.3.1, [MS-RPCE] 2.2.2.5).
    RpcRejectReason,
    /// A DCE/RPC presentation context result of a bind_ack (\[C706\] 12.6.3.1, [MS-RPCE]
    /// 2.2.2.4): acceptance, user or provider rejection, negotiate ack.
    RpcContextResult,
    /// A DCE/RPC provider reason for a rejected presentation context.
    RpcProviderReason,
}

impl Space {
    /// Whether codes of this space are written in hexadecimal.
    pub fn is_hex(self) -> bool {
        matches!(
            self,
            Space::NtStatus | Space::NetBiosSession | Space::AdDataCode | Space::RpcStatus
        )
    }
}

/// One row of a code table: the value, its name as the specification spells it, a plain
/// meaning for the codes people meet, and how much it matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// The code.
    pub value: i64,
    /// The name as its specification spells it (`KDC_ERR_PREAUTH_FAILED`,
    /// `STATUS_LOGON_FAILURE`, `invalidCredentials`, `NXDOMAIN`, ...).
    pub name: &'static str,
    /// What it means in plain words, for the codes that need saying.
    pub meaning: Option<&'static str>,
    /// How much it matters.
    pub severity: Severity,
}

impl Entry {
    /// A table row (for the tables' `const` definitions).
    pub const fn new(
        value: i64,
        name: &'static str,
        meaning: Option<&'static str>,
        severity: Severity,
    ) -> Entry {
        Entry {
            value,
            name,
            meaning,
            severity,
        }
    }
}

/// The row of `table` (sorted by value, as every table's test checks) for `value`.
pub fn find(table: &'static [Entry], value: i64) -> Option<&'static Entry> {
    table
        .binary_search_by_key(&value, |e| e.value)
        .ok()
        .and_then(|i| table.get(i))
}

/// Whether a table is sorted by value without duplicates (for the tables' tests).
pub fn is_sorted_unique(table: &[Entry]) -> bool {
    table.windows(2).all(|w| w[0].value < w[1].value)
}

/// A code of one space, with its table row when the table has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    /// Which specification numbers it.
    pub space: Space,
    /// The value as sent (NTSTATUS and other 32-bit codes as unsigned).
    pub value: i64,
    /// The table row, if the table knows the code.
    pub entry: Option<&'static Entry>,
}

impl Code {
    /// A code looked up in `table`.
    pub fn new(space: Space, value: i64, table: &'static [Entry]) -> Code {
        Code {
            space,
            value,
            entry: find(table, value),
        }
    }

    /// The name, if the table knows the code.
    pub fn name(&self) -> Option<&'static str> {
        self.entry.map(|e| e.name)
    }

    /// The plain meaning, if the table gives one.
    pub fn meaning(&self) -> Option<&'static str> {
        self.entry.and_then(|e| e.meaning)
    }

    /// How much the code matters: the table's word, or for an unknown code success when
    /// it is zero and an error otherwise.
    pub fn severity(&self) -> Severity {
        match self.entry {
            Some(e) => e.severity,
            None if self.value == 0 => Severity::Success,
            None => Severity::Error,
        }
    }

    /// The value as its space writes it: `0xC000006D`, `0x52E`, `24`.
    pub fn value_text(&self) -> String {
        if self.space.is_hex() {
            let width = if self.space == Space::NtStatus || self.space == Space::RpcStatus {
                8
            } else {
                2
            };
            format!("0x{:0width$X}", self.value as u32)
        } else {
            self.value.to_string()
        }
    }
}

impl fmt::Display for Code {
    /// `STATUS_LOGON_FAILURE (0xC000006D)`, or the bare value when the name is unknown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name} ({})", self.value_text()),
            None => f.write_str(&self.value_text()),
        }
    }
}

/// What a server answered, as a report ranks and counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// The protocol that carried it.
    pub protocol: Protocol,
    /// The answer's code.
    pub code: Code,
    /// A more specific code the answer carried along (the AD data code of an LDAP bind
    /// failure, the NTSTATUS inside a KRB-ERROR, a rejected context's provider reason).
    pub detail: Option<Code>,
    /// How much it matters: the greater of the code's and the detail's severity, or
    /// what the protocol knows beyond them (a DC-locator name that did not resolve).
    pub severity: Severity,
}

impl Outcome {
    /// An outcome whose severity is the greater of its code's and its detail's.
    pub fn new(protocol: Protocol, code: Code, detail: Option<Code>) -> Outcome {
        let severity = detail.map_or(code.severity(), |d| d.severity().max(code.severity()));
        Outcome {
            protocol,
            code,
            detail,
            severity,
        }
    }

    /// The most specific plain meaning: the detail's, else the code's.
    pub fn meaning(&self) -> Option<&'static str> {
        self.detail
            .and_then(|d| d.meaning())
            .or_else(|| self.code.meaning())
    }
}

impl fmt::Display for Outcome {
    /// `kerberos KDC_ERR_PREAUTH_FAILED (24): wrong password`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.protocol.as_str(), self.code)?;
        if let Some(d) = self.detail {
            write!(f, " [{d}]")?;
        }
        if let Some(m) = self.meaning() {
            write!(f, ": {m}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &[Entry] = &[
        Entry::new(0, "OK", None, Severity::Success),
        Entry::new(5, "DENIED", Some("no access"), Severity::AccessDenied),
        Entry::new(
            0xC000_006D,
            "STATUS_LOGON_FAILURE",
            None,
            Severity::LogonFailure,
        ),
    ];

    #[test]
    fn codes_are_named_written_and_ranked() {
        assert!(is_sorted_unique(TABLE));
        let c = Code::new(Space::NtStatus, 0xC000_006D, TABLE);
        assert_eq!(c.to_string(), "STATUS_LOGON_FAILURE (0xC000006D)");
        let unknown = Code::new(Space::NtStatus, 0xC000_1234, TABLE);
        assert_eq!(unknown.to_string(), "0xC0001234");
        assert_eq!(unknown.severity(), Severity::Error);
        assert_eq!(
            Code::new(Space::LdapResult, 0, &[]).severity(),
            Severity::Success
        );
        assert_eq!(
            Code::new(Space::AdDataCode, 0x52e, &[]).value_text(),
            "0x52E"
        );
        assert_eq!(Code::new(Space::KerberosError, 24, &[]).value_text(), "24");
        let o = Outcome::new(
            Protocol::Ldap,
            Code::new(Space::LdapResult, 5, TABLE),
            Some(c),
        );
        assert_eq!(o.severity, Severity::LogonFailure);
        assert_eq!(o.meaning(), Some("no access"));
        assert!(Severity::AccountProblem > Severity::LogonFailure);
        assert!(Severity::Error.is_failure() && !Severity::Routine.is_failure());
    }
}
