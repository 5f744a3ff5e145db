//! LDAP and CLDAP answers: every LDAPResult with its resultCode and AD's data code, the
//! account and mechanism of the bind it answers, the base object of the search it ends.

use crate::inspect::outcome::answers::FlowAnswers;
use crate::inspect::outcome::ldap::{self, BindAuth, LdapOp};
use crate::summary::outcome::AppProtocol;

use super::answer::{Pending, PendingList, count, name, ntlm_account, principal};

/// What an LDAP flow remembers: the requests awaiting results.
#[derive(Debug, Default)]
pub struct LdapState {
    requests: PendingList<i64>,
}

/// The operation a response's application tag answers.
fn operation(tag: u32) -> &'static str {
    match tag {
        1 => "bind",
        5 => "search",
        7 => "modify",
        9 => "add",
        11 => "delete",
        13 => "modify DN",
        15 => "compare",
        24 => "extended",
        _ => "other",
    }
}

/// The account and the kind of a bind.
fn bind_of(name_dn: &str, auth: &BindAuth) -> (Option<Box<str>>, Box<str>) {
    match auth {
        BindAuth::Simple { anonymous: true } if name_dn.is_empty() => (None, "anonymous".into()),
        BindAuth::Simple { .. } => (name(name_dn), "simple".into()),
        BindAuth::Sasl {
            mechanism,
            ntlm,
            kerberos,
        } => {
            let account = ntlm_account(ntlm.as_deref())
                .or_else(|| {
                    kerberos
                        .as_ref()
                        .and_then(|k| principal(&k.cname, &k.realm))
                })
                .or_else(|| name(name_dn));
            (account, format!("SASL {mechanism}").into_boxed_str())
        }
        BindAuth::Sicily { ntlm } => (
            ntlm_account(ntlm.as_deref()).or_else(|| name(name_dn)),
            "Sicily NTLM".into(),
        ),
        BindAuth::Other { tag } => (name(name_dn), format!("bind choice {tag}").into_boxed_str()),
    }
}

/// Reads one LDAPMessage (a whole BER element).
pub fn read(state: &mut LdapState, answers: &mut FlowAnswers, msg: &[u8]) {
    let Some(m) = ldap::parse(msg) else {
        return;
    };
    match &m.op {
        LdapOp::BindRequest { name, auth, .. } => {
            let (account, kind) = bind_of(name, auth);
            state.requests.push(Pending {
                key: m.message_id,
                operation: "bind",
                account,
                about: Some(kind),
            });
        }
        LdapOp::SearchRequest { base, .. } => state.requests.push(Pending {
            key: m.message_id,
            operation: "search",
            account: None,
            about: name(base),
        }),
        LdapOp::BindResponse { .. } | LdapOp::Result { .. } => {
            let Some(outcome) = m.outcome() else { return };
            let tag = match &m.op {
                LdapOp::Result { tag, .. } => *tag,
                _ => 1,
            };
            let request = state.requests.take(&m.message_id);
            let (account, about) = request.map_or((None, None), |r| (r.account, r.about));
            count(
                answers,
                AppProtocol::Ldap,
                operation(tag),
                &outcome,
                account,
                about,
            );
        }
        _ => {}
    }
}
