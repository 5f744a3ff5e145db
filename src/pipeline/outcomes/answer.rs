//! What every protocol reader shares: the per-flow reading state, the tables that name
//! interfaces and operations, and the turning of a parser's [`Outcome`] into a counted
//! [`Answer`].

use std::borrow::Cow;
use std::sync::Arc;

use crate::inspect::outcome::answers::{Answer, FlowAnswers};
use crate::inspect::outcome::ntlmssp::NtlmMessage;
use crate::inspect::outcome::{Outcome, Severity};
use crate::inspect::rpc::interfaces::{InterfaceTable, Uuid, uuid_text};
use crate::inspect::rpc::operations::OperationTable;
use crate::summary::outcome::{AppProtocol, OutcomeClass};

/// Requests remembered per flow while their answers are awaited.
pub const MAX_PENDING: usize = 64;

/// The tables that name DCE/RPC interfaces and operations.
#[derive(Debug, Clone)]
pub struct Names {
    /// Interfaces by UUID.
    pub interfaces: Arc<InterfaceTable>,
    /// Operations by interface UUID and opnum.
    pub operations: Arc<OperationTable>,
}

impl Names {
    /// The interface's short name (`samr`), or its UUID.
    pub fn interface(&self, uuid: &Uuid, major: u16) -> String {
        self.interfaces
            .find(uuid, major)
            .and_then(|i| self.interfaces.get(i))
            .map_or_else(|| uuid_text(uuid), |i| i.name.clone())
    }

    /// `samr SamrOpenAlias`, or `samr opnum 27` when the table does not name it.
    pub fn operation(&self, uuid: &Uuid, major: u16, opnum: u16) -> String {
        let interface = self.interface(uuid, major);
        match self.operations.name(uuid, opnum) {
            Some(name) => format!("{interface} {name}"),
            None => format!("{interface} opnum {opnum}"),
        }
    }
}

/// A request awaiting its answer: its key (message or call id), operation, account and
/// what it was about.
#[derive(Debug, Clone)]
pub struct Pending<K> {
    /// The id that pairs the answer with it.
    pub key: K,
    /// The operation's name.
    pub operation: &'static str,
    /// The account it was for.
    pub account: Option<Box<str>>,
    /// What it was about.
    pub about: Option<Box<str>>,
}

/// Requests awaiting answers, at most [`MAX_PENDING`] (the oldest go first).
#[derive(Debug, Clone)]
pub struct PendingList<K>(Vec<Pending<K>>);

impl<K> Default for PendingList<K> {
    fn default() -> Self {
        PendingList(Vec::new())
    }
}

impl<K: PartialEq> PendingList<K> {
    /// Remembers a request.
    pub fn push(&mut self, p: Pending<K>) {
        if self.0.len() >= MAX_PENDING {
            self.0.remove(0);
        }
        self.0.push(p);
    }

    /// Takes the request with `key`.
    pub fn take(&mut self, key: &K) -> Option<Pending<K>> {
        let at = self.0.iter().position(|p| p.key == *key)?;
        Some(self.0.remove(at))
    }
}

/// The report's class of a parser's severity.
pub fn class_of(severity: Severity) -> OutcomeClass {
    match severity {
        Severity::Success => OutcomeClass::Ok,
        Severity::Routine => OutcomeClass::Routine,
        Severity::Error => OutcomeClass::Error,
        Severity::AccessDenied => OutcomeClass::AccessDenied,
        Severity::LocatorFailure => OutcomeClass::DcLocatorFailure,
        Severity::ClockSkew => OutcomeClass::ClockSkew,
        Severity::LogonFailure => OutcomeClass::LogonFailure,
        Severity::AccountProblem => OutcomeClass::AccountRestricted,
    }
}

/// The answer of a parser's outcome to `operation`, for `account`, about `about`.
pub fn answer(
    protocol: AppProtocol,
    operation: &'static str,
    outcome: &Outcome,
    account: Option<Box<str>>,
    about: Option<Box<str>>,
) -> Answer {
    let code = &outcome.code;
    Answer {
        protocol,
        operation,
        code: code.value as u64,
        name: code
            .name()
            .map_or_else(|| Cow::Owned(code.value_text()), Cow::Borrowed),
        detail: outcome.detail.map(|d| Cow::Owned(d.to_string())),
        meaning: outcome.meaning(),
        class: class_of(outcome.severity),
        account,
        about,
    }
}

/// Counts the answer of `outcome` into `answers`.
pub fn count(
    answers: &mut FlowAnswers,
    protocol: AppProtocol,
    operation: &'static str,
    outcome: &Outcome,
    account: Option<Box<str>>,
    about: Option<Box<str>>,
) {
    answers.push(answer(protocol, operation, outcome, account, about));
}

/// `name@REALM`, or the name alone.
pub fn principal(name: &Option<String>, realm: &Option<String>) -> Option<Box<str>> {
    match (name, realm) {
        (Some(n), Some(r)) if !n.is_empty() => Some(format!("{n}@{r}").into_boxed_str()),
        (Some(n), None) if !n.is_empty() => Some(n.clone().into_boxed_str()),
        _ => None,
    }
}

/// The `DOMAIN\user` of an NTLM AUTHENTICATE (None for other messages and anonymous
/// logons).
pub fn ntlm_account(ntlm: Option<&NtlmMessage>) -> Option<Box<str>> {
    match ntlm? {
        NtlmMessage::Authenticate(a) if !a.user.is_empty() => Some(a.account().into_boxed_str()),
        _ => None,
    }
}

/// Text as a boxed name, None when empty.
pub fn name(text: &str) -> Option<Box<str>> {
    (!text.is_empty()).then(|| text.into())
}
