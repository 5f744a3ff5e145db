//! Diagnoses in words: what the report says when a dynamic RPC port the endpoint mapper
//! handed out was never answered.

use super::conn::ConnCounters;

/// The diagnosis of an RPC line of interface `spec name` on `port` whose flows ended as
/// `conn`, `by_mapper` of them named by the endpoint mapper (none when it has nothing to
/// say).
pub fn rpc_diagnosis_text(
    spec: &str,
    name: &str,
    port: u16,
    conn: &ConnCounters,
    by_mapper: u64,
) -> Option<String> {
    if by_mapper == 0 || conn.unanswered + conn.rejected == 0 {
        return None;
    }
    let what = format!("{spec} {name}");
    let blocked = conn.unanswered + conn.rejected;
    let outcome = if conn.rejected == 0 {
        "never answered".to_string()
    } else if conn.unanswered == 0 {
        "rejected (RST)".to_string()
    } else {
        format!(
            "never answered ({}) or rejected ({})",
            conn.unanswered, conn.rejected
        )
    };
    let connections = if conn.established == 0 {
        if blocked == 1 {
            format!("the connection to {port} was {outcome}")
        } else {
            format!("all {blocked} connections to {port} were {outcome}")
        }
    } else {
        format!(
            "{blocked} of {} connections to {port} were {outcome}",
            conn.attempts
        )
    };
    Some(format!(
        "endpoint mapper answered with port {port} for {what}; {connections}: a firewall between client and server probably blocks {port}/tcp (dynamic RPC)"
    ))
}
