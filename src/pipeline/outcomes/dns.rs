//! DNS answers: every response's rcode, with the name and type it was about; failed
//! lookups of domain-controller locator names rank as locator failures (the parser
//! says so).

use crate::inspect::outcome::answers::FlowAnswers;
use crate::inspect::outcome::dns;
use crate::summary::outcome::AppProtocol;

use super::answer::count;

/// The operation of a DNS opcode.
fn operation(opcode: u8) -> &'static str {
    match opcode {
        0 => "query",
        1 => "inverse query",
        2 => "status",
        4 => "notify",
        5 => "update",
        _ => "other opcode",
    }
}

/// Reads one DNS message (a UDP datagram, or a TCP message without its length).
pub fn read(answers: &mut FlowAnswers, msg: &[u8]) {
    let Some(m) = dns::parse(msg) else {
        return;
    };
    let Some(outcome) = m.outcome() else {
        return;
    };
    let about = m.question.as_ref().map(|q| {
        let qtype =
            dns::qtype_name(q.qtype).map_or_else(|| format!("TYPE{}", q.qtype), str::to_string);
        let name = if q.name.is_empty() {
            "."
        } else {
            q.name.as_str()
        };
        format!("{name} {qtype}").into_boxed_str()
    });
    count(
        answers,
        AppProtocol::Dns,
        operation(m.opcode),
        &outcome,
        None,
        about,
    );
}
