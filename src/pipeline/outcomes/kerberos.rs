//! Kerberos answers: every KDC reply and KRB-ERROR, with the client principal and the
//! service it asked for (from the answer, or else from the request before it); and
//! requests that ask for RC4 encryption only, flagged.

use std::borrow::Cow;

use crate::inspect::outcome::answers::{Answer, AppProtocol, FlowAnswers, OutcomeClass};
use crate::inspect::outcome::kerberos::{self, Kind};

use super::answer::{count, principal};

/// What a Kerberos flow remembers: its last request.
#[derive(Debug, Default)]
pub struct KerberosState {
    operation: Option<&'static str>,
    account: Option<Box<str>>,
    about: Option<Box<str>>,
}

/// Reads one Kerberos message (without the TCP record mark).
pub fn read(state: &mut KerberosState, answers: &mut FlowAnswers, msg: &[u8]) {
    let Some(m) = kerberos::parse(msg) else {
        return;
    };
    let Some(kind) = m.kind else { return };
    match kind {
        Kind::AsReq | Kind::TgsReq | Kind::ApReq => {
            if m.rc4_only() {
                // Not an answer but a finding about the request: RC4 and nothing else.
                answers.push(Answer {
                    protocol: AppProtocol::Kerberos,
                    operation: if kind == Kind::AsReq {
                        "AS-REQ etypes"
                    } else {
                        "TGS-REQ etypes"
                    },
                    code: 0,
                    name: Cow::Borrowed("RC4_ONLY_REQUEST"),
                    detail: None,
                    meaning: Some(
                        "the client asked for RC4 encryption only (no AES): weak tickets; \
                         an old client, or an account without AES keys",
                    ),
                    class: OutcomeClass::Error,
                    account: principal(&m.cname, &m.realm),
                    about: m.sname.clone().map(String::into_boxed_str),
                });
            }
            *state = KerberosState {
                operation: Some(kind.as_str()),
                account: principal(&m.cname, &m.realm),
                about: m.sname.clone().map(String::into_boxed_str),
            };
        }
        Kind::AsRep | Kind::TgsRep | Kind::ApRep | Kind::Error => {
            let Some(outcome) = m.outcome() else { return };
            let operation = match kind {
                Kind::AsRep => "AS-REQ",
                Kind::TgsRep => "TGS-REQ",
                Kind::ApRep => "AP-REQ",
                _ => state.operation.unwrap_or("KDC request"),
            };
            let realm = m.crealm.clone().or_else(|| m.realm.clone());
            let account = principal(&m.cname, &realm).or_else(|| state.account.clone());
            let about = m
                .sname
                .clone()
                .map(String::into_boxed_str)
                .or_else(|| state.about.clone());
            count(
                answers,
                AppProtocol::Kerberos,
                operation,
                &outcome,
                account,
                about,
            );
        }
    }
}
