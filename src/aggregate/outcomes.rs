//! What the servers answered, folded per report line: each (protocol, operation, code)
//! with its count and the clients, accounts and names behind it; the SMB session facts
//! per server; and the clients that failed to log on as many distinct accounts (a likely
//! password spray). Every list has a bound, so crafted traffic cannot grow memory.

use std::borrow::Cow;

use rustc_hash::FxHashMap;

use crate::decode::{AddrBytes, addr_to_string};
use crate::inspect::outcome::answers::{FlowAnswers, dialect_name};
use crate::summary::outcome::{
    AppProtocol, CountedName, OutcomeClass, OutcomeLine, SmbFacts, SprayLine,
};

/// Distinct (line, protocol, operation, code) kinds kept over a run; answers of further
/// kinds are counted as dropped and a warning says so.
pub const MAX_OUTCOME_KINDS: usize = 4096;
/// Distinct names kept per list of one kind before the lightest half is dropped.
const MAX_NAMES_PER_LIST: usize = 256;
/// Distinct (client, account) logon failures kept for the password-spray check.
const MAX_SPRAY_PAIRS: usize = 1 << 16;
/// Distinct accounts one client must fail to log on as before it is called a spray.
pub const SPRAY_ACCOUNTS: u64 = 5;

/// Counts per name, at most [`MAX_NAMES_PER_LIST`] names held: past that the lightest
/// half goes (ties by name), so the heavy hitters stay.
#[derive(Debug, Clone, Default)]
pub struct NameTally {
    counts: FxHashMap<Box<str>, u64>,
    pruned: bool,
}

impl NameTally {
    /// Counts `name` once more.
    pub fn add(&mut self, name: &str) {
        self.add_n(name, 1);
    }

    /// Counts `name` `n` times more.
    pub fn add_n(&mut self, name: &str, n: u64) {
        match self.counts.get_mut(name) {
            Some(count) => *count += n,
            None => {
                self.counts.insert(name.into(), n);
                if self.counts.len() > MAX_NAMES_PER_LIST {
                    let mut all: Vec<(Box<str>, u64)> = self.counts.drain().collect();
                    all.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                    all.truncate(MAX_NAMES_PER_LIST / 2);
                    self.counts.extend(all);
                    self.pruned = true;
                }
            }
        }
    }

    /// Distinct names held.
    pub fn len(&self) -> usize {
        self.counts.len()
    }

    /// Whether none are.
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// Whether names were ever dropped.
    pub fn pruned(&self) -> bool {
        self.pruned
    }

    /// The `top` heaviest, most first (ties by name).
    pub fn top(&self, top: usize) -> Vec<CountedName> {
        let mut all: Vec<CountedName> = self
            .counts
            .iter()
            .map(|(name, count)| CountedName {
                name: name.to_string(),
                count: *count,
            })
            .collect();
        all.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));
        all.truncate(top);
        all
    }
}

/// One kind of answer on one line, being counted.
#[derive(Debug, Clone)]
struct KindAcc {
    name: Cow<'static, str>,
    meaning: Option<&'static str>,
    class: OutcomeClass,
    count: u64,
    clients: NameTally,
    accounts: NameTally,
    names: NameTally,
}

/// One kind of answer of one line: (line, protocol, operation, code, detail).
type KindKey<L> = (L, AppProtocol, &'static str, u64, Option<Cow<'static, str>>);

/// The answers of every line, keyed by a line key `L` of the caller's.
#[derive(Debug, Clone)]
pub struct OutcomeAcc<L> {
    kinds: FxHashMap<KindKey<L>, KindAcc>,
    smb: FxHashMap<(L, bool, AddrBytes), SmbFacts>,
    /// (client, account) pairs of logon failures, with the lines they failed on.
    spray: FxHashMap<(bool, AddrBytes, Box<str>), u64>,
    /// Answers not counted: past a flow's bound, or of kinds past [`MAX_OUTCOME_KINDS`].
    pub dropped: u64,
    /// Whether a list lost names to its bound.
    pub pruned: bool,
}

impl<L> Default for OutcomeAcc<L> {
    fn default() -> Self {
        OutcomeAcc {
            kinds: FxHashMap::default(),
            smb: FxHashMap::default(),
            spray: FxHashMap::default(),
            dropped: 0,
            pruned: false,
        }
    }
}

impl<L: Copy + Eq + std::hash::Hash> OutcomeAcc<L> {
    /// Folds in the answers of one flow of line `line`, between `client` and `server`.
    pub fn add(
        &mut self,
        line: L,
        v6: bool,
        client: &AddrBytes,
        server: &AddrBytes,
        flow: &FlowAnswers,
    ) {
        self.dropped += flow.dropped;
        let client_text = addr_to_string(v6, client);
        for (a, n) in &flow.answers {
            let n = *n;
            let key = (line, a.protocol, a.operation, a.code, a.detail.clone());
            if !self.kinds.contains_key(&key) && self.kinds.len() >= MAX_OUTCOME_KINDS {
                self.dropped += 1;
                continue;
            }
            let kind = self.kinds.entry(key).or_insert_with(|| KindAcc {
                name: a.name.clone(),
                meaning: a.meaning,
                class: a.class,
                count: 0,
                clients: NameTally::default(),
                accounts: NameTally::default(),
                names: NameTally::default(),
            });
            kind.count += n;
            kind.clients.add_n(&client_text, n);
            if let Some(account) = &a.account {
                kind.accounts.add_n(account, n);
            }
            if let Some(about) = &a.about {
                kind.names.add_n(about, n);
            }
            if a.class == OutcomeClass::LogonFailure {
                if let Some(account) = &a.account {
                    let pair = (v6, *client, account.clone());
                    if self.spray.len() < MAX_SPRAY_PAIRS || self.spray.contains_key(&pair) {
                        *self.spray.entry(pair).or_default() += n;
                    }
                }
            }
        }
        if let Some(smb) = flow.smb {
            let facts = self.smb.entry((line, v6, *server)).or_default();
            if let Some(d) = smb.dialect {
                facts.negotiated += 1;
                facts.signing_required += u64::from(smb.signing_required);
                let name = dialect_name(d);
                if let Some(c) = facts.dialects.iter_mut().find(|c| c.name == name) {
                    c.count += 1;
                } else if facts.dialects.len() < 16 {
                    facts.dialects.push(CountedName {
                        name: name.into_owned(),
                        count: 1,
                    });
                }
            }
            facts.encrypted += u64::from(smb.encrypted);
        }
    }

    /// The outcome lines of `line`, worst first, with at most `top` names per list.
    pub fn lines_of(&mut self, line: L, top: usize) -> Vec<OutcomeLine> {
        let keys: Vec<KindKey<L>> = self.kinds.keys().filter(|k| k.0 == line).cloned().collect();
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            let Some(k) = self.kinds.remove(&key) else {
                continue;
            };
            self.pruned |= k.clients.pruned() || k.accounts.pruned() || k.names.pruned();
            out.push(OutcomeLine {
                protocol: key.1,
                operation: key.2.to_string(),
                code: key.3,
                detail: key.4.map(Cow::into_owned),
                name: k.name.into_owned(),
                meaning: k.meaning.map(str::to_string),
                class: k.class,
                count: k.count,
                top_clients: k.clients.top(top),
                top_accounts: k.accounts.top(top),
                top_names: k.names.top(top),
                accounts: k.accounts.len() as u64,
            });
        }
        out.sort_by(OutcomeLine::order);
        out
    }

    /// The SMB facts of `server` on `line`.
    pub fn smb_of(&mut self, line: L, v6: bool, server: &AddrBytes) -> Option<SmbFacts> {
        let mut facts = self.smb.remove(&(line, v6, *server))?;
        facts
            .dialects
            .sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));
        Some(facts)
    }

    /// Clients that failed to log on as at least [`SPRAY_ACCOUNTS`] distinct accounts,
    /// most accounts first.
    pub fn spray_candidates(&self) -> Vec<SprayLine> {
        let mut per_client: FxHashMap<(bool, AddrBytes), (u64, u64)> = FxHashMap::default();
        for ((v6, client, _), failures) in &self.spray {
            let slot = per_client.entry((*v6, *client)).or_default();
            slot.0 += 1;
            slot.1 += failures;
        }
        let mut out: Vec<(bool, AddrBytes, u64, u64)> = per_client
            .into_iter()
            .filter(|(_, (accounts, _))| *accounts >= SPRAY_ACCOUNTS)
            .map(|((v6, c), (accounts, failures))| (v6, c, accounts, failures))
            .collect();
        out.sort_by(|a, b| {
            b.2.cmp(&a.2)
                .then(b.3.cmp(&a.3))
                .then((a.0, a.1).cmp(&(b.0, b.1)))
        });
        out.into_iter()
            .map(|(v6, c, accounts, failures)| SprayLine {
                client: addr_to_string(v6, &c),
                accounts,
                failures,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::outcome::answers::{Answer, MAX_ANSWERS_PER_FLOW};

    fn answer(code: u64, class: OutcomeClass, account: &str) -> Answer {
        Answer {
            protocol: AppProtocol::Kerberos,
            operation: "AS-REQ",
            code,
            name: Cow::Borrowed("KDC_ERR_PREAUTH_FAILED"),
            detail: None,
            meaning: Some("wrong password"),
            class,
            account: Some(account.into()),
            about: None,
        }
    }

    fn addr(last: u8) -> AddrBytes {
        crate::decode::widen([10, 0, 0, last])
    }

    #[test]
    fn answers_fold_per_line_and_kind_worst_first() {
        let mut acc: OutcomeAcc<u8> = OutcomeAcc::default();
        let mut flow = FlowAnswers::default();
        flow.push(answer(24, OutcomeClass::LogonFailure, "alice@EX"));
        flow.push(answer(24, OutcomeClass::LogonFailure, "bob@EX"));
        flow.push(answer(25, OutcomeClass::Routine, "alice@EX"));
        acc.add(1, false, &addr(5), &addr(1), &flow);
        acc.add(2, false, &addr(6), &addr(1), &flow);
        let lines = acc.lines_of(1, 10);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].code, 24);
        assert_eq!(lines[0].count, 2);
        assert_eq!(lines[0].accounts, 2);
        assert_eq!(lines[0].top_clients[0].name, "10.0.0.5");
        assert_eq!(lines[1].class, OutcomeClass::Routine);
        assert_eq!(acc.lines_of(2, 10).len(), 2);
        assert!(acc.lines_of(1, 10).is_empty(), "taken once");
    }

    #[test]
    fn a_client_failing_as_many_accounts_is_a_spray_candidate() {
        let mut acc: OutcomeAcc<u8> = OutcomeAcc::default();
        for i in 0..6u8 {
            let mut flow = FlowAnswers::default();
            flow.push(answer(
                24,
                OutcomeClass::LogonFailure,
                &format!("user{i}@EX"),
            ));
            acc.add(0, false, &addr(9), &addr(1), &flow);
            // Another client fails for one account six times: no spray.
            let mut one = FlowAnswers::default();
            one.push(answer(24, OutcomeClass::LogonFailure, "carol@EX"));
            acc.add(0, false, &addr(8), &addr(1), &one);
        }
        let spray = acc.spray_candidates();
        assert_eq!(spray.len(), 1);
        assert_eq!(spray[0].client, "10.0.0.9");
        assert_eq!((spray[0].accounts, spray[0].failures), (6, 6));
    }

    #[test]
    fn bounds_hold_for_floods_of_names_and_answers() {
        let mut tally = NameTally::default();
        for i in 0..10_000 {
            tally.add(&format!("name{i}"));
            tally.add("heavy");
        }
        assert!(tally.len() <= MAX_NAMES_PER_LIST);
        assert!(tally.pruned());
        assert_eq!(tally.top(1)[0].name, "heavy");
        let mut flow = FlowAnswers::default();
        for _ in 0..MAX_ANSWERS_PER_FLOW + 3 {
            flow.push(answer(24, OutcomeClass::LogonFailure, "x"));
        }
        // Identical answers share one entry; distinct ones beyond the bound lose their
        // names but keep their count.
        assert_eq!(flow.answers.len(), 1);
        assert_eq!(flow.count(), MAX_ANSWERS_PER_FLOW as u64 + 3);
        let mut many = FlowAnswers::default();
        for i in 0..3 * MAX_ANSWERS_PER_FLOW {
            many.push(answer(24, OutcomeClass::LogonFailure, &format!("u{i}")));
        }
        assert_eq!(many.answers.len(), MAX_ANSWERS_PER_FLOW + 1);
        assert_eq!(many.count(), 3 * MAX_ANSWERS_PER_FLOW as u64);
        assert_eq!(many.dropped, 0);
    }
}
