//! The audit log's pure part: what an entry holds, how it is hashed, and how a chain of
//! entries is checked. The SQL lives in `db::audit`.
//!
//! asks that access and operation logs be kept and protected against tampering;
//! R-5.8.1.3 asks the same of records of configuration changes. Both go to one
//! append-only log whose entries form a hash chain:
//!
//! - every entry has a sequence number `seq`, one more than the entry before it;
//! - every entry stores `prev_hash`, the hash of the entry before it (the first entry
//!   ever stores [`GENESIS`]);
//! - every entry stores `hash`, the SHA-256 of its `prev_hash` and all of its other
//!   fields ([`entry_hash`]);
//! - the `audit_head` row records where the chain ends (`last_seq`, `last_hash`) and,
//!   after a retention purge, where it now starts (`first_seq`, `first_prev_hash`).
//!
//! Changing any field of an entry changes its hash, so the stored hash no longer matches
//! ([`Break::Changed`]); recomputing that hash breaks the link from the next entry
//! ([`Break::Inserted`]) or, for the last entry, the recorded head
//! ([`Break::HeadMismatch`]); removing entries leaves a gap in `seq` or falls short of the
//! recorded start or end ([`Break::Missing`]); adding entries either breaks a link or goes
//! past the recorded end ([`Break::Inserted`]).
//!
//! The limit: everything needed to rebuild the chain is in the same database. Someone who
//! can write to it freely can rewrite every entry from some point on, recompute every hash
//! and update `audit_head` to match, and the chain will verify. What closes that is a
//! head hash kept somewhere they cannot reach: `itaku audit verify` prints the current
//! head; record it elsewhere (a ticket, a mail to the auditors, another system), and later
//! `itaku audit verify --expect-head <hash>` checks that the chain still passes through
//! it, so nothing up to that point was rewritten.

use std::fmt;

use chrono::{NaiveDateTime, SubsecRound};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first entry ever written, and the head of an empty log.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// How `occurred_at` enters the hash.
pub const HASH_TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6f";

/// What happened, as the caller describes it.
#[derive(Debug, Clone, Default)]
pub struct Event {
    /// A dotted name, e.g. `user.sign_in`, `config.change`, `audit.purge`.
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    /// The state before the change (for changes).
    pub before: Option<serde_json::Value>,
    /// The state after the change, or the details of what happened.
    pub after: Option<serde_json::Value>,
}

impl Event {
    pub fn new(action: &str) -> Event {
        Event {
            action: action.to_string(),
            ..Event::default()
        }
    }

    pub fn target(self, kind: &str, id: &str) -> Event {
        Event {
            target_type: Some(kind.to_string()),
            target_id: Some(id.to_string()),
            ..self
        }
    }

    /// The state before; a value that cannot be serialised is kept as the error's text,
    /// so that recording never fails for it.
    pub fn before<T: Serialize>(self, v: &T) -> Event {
        Event {
            before: Some(to_value(v)),
            ..self
        }
    }

    /// The state after, or the details; serialised like [`Event::before`].
    pub fn after<T: Serialize>(self, v: &T) -> Event {
        Event {
            after: Some(to_value(v)),
            ..self
        }
    }
}

fn to_value<T: Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or_else(|e| serde_json::Value::String(e.to_string()))
}

/// Who did it and from where.
#[derive(Debug, Clone)]
pub struct Origin {
    /// The user's id, when a user did it.
    pub actor_id: Option<String>,
    /// The user's email, or `system`, or `cli:<operating-system user>`.
    pub actor: String,
    /// The client's address, for requests.
    pub address: Option<String>,
    /// The request's id, to find it in the service log.
    pub request_id: Option<String>,
}

impl Origin {
    /// No user and no request: the service itself (`system`) or a command line
    /// (`cli:<user>`).
    pub fn system(label: &str) -> Origin {
        Origin {
            actor_id: None,
            actor: label.to_string(),
            address: None,
            request_id: None,
        }
    }
}

/// One stored entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    pub seq: i64,
    /// UTC, to the microsecond.
    pub occurred_at: NaiveDateTime,
    pub actor_id: Option<String>,
    pub actor: String,
    pub address: Option<String>,
    pub request_id: Option<String>,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    /// [`Event::before`] as JSON text; the text itself is what is hashed.
    pub before_json: Option<String>,
    /// [`Event::after`] as JSON text.
    pub after_json: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl Entry {
    /// The entry `event` makes when `origin` records it as number `seq` at `occurred_at`
    /// after an entry whose hash is `prev_hash`, with its hash computed.
    pub fn build(
        seq: i64,
        occurred_at: NaiveDateTime,
        origin: &Origin,
        event: &Event,
        prev_hash: &str,
    ) -> Entry {
        let json = |v: &Option<serde_json::Value>| v.as_ref().map(|v| v.to_string());
        let mut entry = Entry {
            seq,
            occurred_at: truncate_to_micros(occurred_at),
            actor_id: origin.actor_id.clone(),
            actor: origin.actor.clone(),
            address: origin.address.clone(),
            request_id: origin.request_id.clone(),
            action: event.action.clone(),
            target_type: event.target_type.clone(),
            target_id: event.target_id.clone(),
            before_json: json(&event.before),
            after_json: json(&event.after),
            prev_hash: prev_hash.to_string(),
            hash: String::new(),
        };
        entry.hash = entry_hash(&entry);
        entry
    }
}

/// SHA-256 (lower-case hex) of `prev_hash` and every other field but `hash`, serialised
/// as one JSON array: `[prev_hash, seq, occurred_at, actor_id, actor, address,
/// request_id, action, target_type, target_id, before_json, after_json]`, with
/// `occurred_at` as [`HASH_TIME_FORMAT`] and absent values as `null`. JSON quoting keeps
/// field boundaries unambiguous (no value can pass for two), and `null` stays distinct
/// from an empty string.
pub fn entry_hash(e: &Entry) -> String {
    let fields = (
        &e.prev_hash,
        e.seq,
        e.occurred_at.format(HASH_TIME_FORMAT).to_string(),
        &e.actor_id,
        &e.actor,
        &e.address,
        &e.request_id,
        &e.action,
        &e.target_type,
        &e.target_id,
        &e.before_json,
        &e.after_json,
    );
    // Serialising strings, integers and options into a string cannot fail.
    let text = serde_json::to_string(&fields).unwrap_or_default();
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Timestamps are kept to the microsecond, which both databases store exactly, so that an
/// entry reads back with the same `occurred_at` it was hashed with.
pub fn truncate_to_micros(t: NaiveDateTime) -> NaiveDateTime {
    t.trunc_subsecs(6)
}

/// The chain's expected boundaries (from `audit_head`).
#[derive(Debug, Clone, PartialEq)]
pub struct Head {
    /// The newest entry's seq; 0 before the first append.
    pub last_seq: i64,
    /// The newest entry's hash; [`GENESIS`] before the first append.
    pub last_hash: String,
    /// The oldest entry kept: 1 until a purge moves it.
    pub first_seq: i64,
    /// The `prev_hash` the oldest kept entry must carry: [`GENESIS`], or after a purge
    /// the hash of the last entry removed.
    pub first_prev_hash: String,
}

impl Head {
    /// The head of a log nothing was ever appended to.
    pub fn empty() -> Head {
        Head {
            last_seq: 0,
            last_hash: GENESIS.to_string(),
            first_seq: 1,
            first_prev_hash: GENESIS.to_string(),
        }
    }
}

/// The first place where the chain is not what was appended.
#[derive(Debug, Clone, PartialEq)]
pub enum Break {
    /// The entry's stored hash is not the hash of its content: a field was changed.
    Changed { seq: i64 },
    /// `expected_seq` is absent: a gap in seq after `after_seq`, the first entries gone
    /// (`after_seq` None, `expected_seq` the recorded first seq), or the last entries gone
    /// (the recorded last seq is beyond the last entry present).
    Missing {
        after_seq: Option<i64>,
        expected_seq: i64,
    },
    /// The entry is not one the chain accounts for: its seq does not follow the previous
    /// entry's, or it does but its `prev_hash` is not the previous entry's hash (so either
    /// it was put in place of the original or the entry before it was rewritten with a
    /// recomputed hash), or it lies past the recorded last seq, or before the recorded
    /// first seq.
    Inserted { seq: i64 },
    /// The chain does not end where it should: with `--expect-head`, the expected hash is
    /// not one the chain passes through; without, the last entry's hash is not the one
    /// `audit_head` recorded. `found` is the hash the chain ends with.
    HeadMismatch { expected: String, found: String },
}

impl fmt::Display for Break {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Break::Changed { seq } => write!(
                f,
                "entry {seq} was changed (its hash does not match its content)"
            ),
            Break::Missing {
                after_seq: Some(after),
                expected_seq,
            } => write!(f, "entry {expected_seq} is missing (after entry {after})"),
            Break::Missing {
                after_seq: None,
                expected_seq,
            } => write!(
                f,
                "entry {expected_seq} is missing (the log should start with it)"
            ),
            Break::Inserted { seq } => write!(
                f,
                "entry {seq} was inserted or replaced (it does not link to the entry before \
                 it, or lies outside the recorded start and end of the log)"
            ),
            Break::HeadMismatch { expected, found } => write!(
                f,
                "the log does not reach the expected head {expected} (it ends at {found})"
            ),
        }
    }
}

/// The outcome of a verification.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Entries read and found intact, up to the first break.
    pub entries: u64,
    /// None when the chain is intact.
    pub first_break: Option<Break>,
    /// The hash of the last intact entry (when intact, the chain's head: the value to
    /// record elsewhere for `--expect-head`); with no intact entry, the start's
    /// `first_prev_hash`.
    pub head_hash: String,
    /// The seq of that entry (0 for an empty log).
    pub last_seq: i64,
}

impl Report {
    pub fn is_intact(&self) -> bool {
        self.first_break.is_none()
    }
}

/// Walks the entries in seq order, fed one at a time with [`Verifier::push`] (so a
/// million entries never need to be in memory at once), and reports the first break.
///
/// How each kind of tampering shows, checked in this order for each entry:
///
/// 1. Before the first entry: an entry below `head.first_seq` is
///    [`Break::Inserted`]; a first entry above it means the first entries were deleted
///    without a recorded purge: `Missing { after_seq: None, expected_seq: first_seq }`.
/// 2. A gap in seq (a deleted middle entry) is
///    `Missing { after_seq: Some(previous), expected_seq: previous + 1 }`; a seq that does
///    not increase is `Inserted`.
/// 3. An entry past `head.last_seq` (a row added with a fresh seq at the end, not through
///    the application) is `Inserted { seq }`. A row cannot be slipped in between two
///    others without renumbering, which changes the renumbered entries' content.
/// 4. An entry whose stored hash is not the hash of its content (an UPDATE of any field,
///    `seq` and `prev_hash` included) is `Changed { seq }`.
/// 5. An entry whose hash is right but whose `prev_hash` is not the previous entry's hash
///    (or `head.first_prev_hash` for the first) is `Inserted { seq }`: the entry does not
///    belong where it is. This is also how a rewrite of the *previous* entry with a
///    recomputed hash shows; the two cannot be told apart, so the break names the first
///    entry at which the chain stops linking.
/// 6. At the end ([`Verifier::finish`]): fewer entries than `head.last_seq` (the tail
///    deleted) is `Missing { after_seq: Some(last present), expected_seq: last + 1 }`
///    (`after_seq: None` if nothing is left); a last entry whose hash is not
///    `head.last_hash` is `HeadMismatch`.
/// 7. With `expect_head`: the hash must be one the chain passes through — an entry's hash,
///    or `head.first_prev_hash` — so a head recorded earlier stays valid while entries are
///    appended after it. Otherwise `HeadMismatch { expected, found: the chain's head }`.
///    A head recorded before a purge that removed its entry can no longer be checked this
///    way (record a new one after each purge).
#[derive(Debug, Clone)]
pub struct Verifier {
    head: Head,
    expect_head: Option<String>,
    /// seq and hash of the last intact entry.
    last: Option<(i64, String)>,
    entries: u64,
    expect_seen: bool,
    first_break: Option<Break>,
}

impl Verifier {
    pub fn new(head: Head, expect_head: Option<String>) -> Self {
        let expect_head = expect_head.map(|h| h.trim().to_ascii_lowercase());
        let expect_seen = expect_head.as_deref() == Some(head.first_prev_hash.as_str());
        Verifier {
            head,
            expect_head,
            last: None,
            entries: 0,
            expect_seen,
            first_break: None,
        }
    }

    /// Checks the next entry in seq order. Returns false once the chain is broken: stop
    /// feeding then, nothing more will be looked at.
    pub fn push(&mut self, e: &Entry) -> bool {
        if self.first_break.is_some() {
            return false;
        }
        match self.check(e) {
            Some(b) => {
                self.first_break = Some(b);
                false
            }
            None => {
                self.entries += 1;
                if self.expect_head.as_deref() == Some(e.hash.as_str()) {
                    self.expect_seen = true;
                }
                self.last = Some((e.seq, e.hash.clone()));
                true
            }
        }
    }

    fn check(&self, e: &Entry) -> Option<Break> {
        let head = &self.head;
        let expected_prev = match &self.last {
            None => {
                if e.seq < head.first_seq {
                    return Some(Break::Inserted { seq: e.seq });
                }
                if e.seq > head.first_seq && head.first_seq <= head.last_seq {
                    return Some(Break::Missing {
                        after_seq: None,
                        expected_seq: head.first_seq,
                    });
                }
                head.first_prev_hash.as_str()
            }
            Some((prev_seq, prev_hash)) => {
                if e.seq <= *prev_seq {
                    return Some(Break::Inserted { seq: e.seq });
                }
                if e.seq > prev_seq + 1 && *prev_seq < head.last_seq {
                    return Some(Break::Missing {
                        after_seq: Some(*prev_seq),
                        expected_seq: prev_seq + 1,
                    });
                }
                prev_hash.as_str()
            }
        };
        if e.seq > head.last_seq {
            return Some(Break::Inserted { seq: e.seq });
        }
        if entry_hash(e) != e.hash {
            return Some(Break::Changed { seq: e.seq });
        }
        if e.prev_hash != expected_prev {
            return Some(Break::Inserted { seq: e.seq });
        }
        None
    }

    pub fn finish(self) -> Report {
        let (last_seq, head_hash) = match &self.last {
            Some((seq, hash)) => (*seq, hash.clone()),
            None => (self.head.first_seq - 1, self.head.first_prev_hash.clone()),
        };
        let first_break = self.first_break.clone().or_else(|| {
            if last_seq < self.head.last_seq {
                return Some(Break::Missing {
                    after_seq: self.last.as_ref().map(|(seq, _)| *seq),
                    expected_seq: last_seq + 1,
                });
            }
            if head_hash != self.head.last_hash {
                return Some(Break::HeadMismatch {
                    expected: self.head.last_hash.clone(),
                    found: head_hash.clone(),
                });
            }
            match &self.expect_head {
                Some(expected) if !self.expect_seen => Some(Break::HeadMismatch {
                    expected: expected.clone(),
                    found: head_hash.clone(),
                }),
                _ => None,
            }
        });
        Report {
            entries: self.entries,
            first_break,
            head_hash,
            last_seq,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(second: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 26)
            .unwrap()
            .and_hms_micro_opt(9, 0, second, 123_456)
            .unwrap()
    }

    /// A chain of `n` entries starting at seq 1, and its head.
    fn chain(n: i64) -> (Vec<Entry>, Head) {
        let mut entries: Vec<Entry> = Vec::new();
        let mut prev = GENESIS.to_string();
        for seq in 1..=n {
            let origin = Origin {
                actor_id: Some(format!("user-{seq}")),
                actor: format!("user{seq}@example.jp"),
                address: Some("192.0.2.1".into()),
                request_id: Some(format!("req-{seq}")),
            };
            let event = Event::new("vendor.update")
                .target("vendor", &format!("v{seq}"))
                .before(&serde_json::json!({"name": "old"}))
                .after(&serde_json::json!({"name": format!("new {seq}")}));
            let e = Entry::build(seq, at(seq as u32 % 60), &origin, &event, &prev);
            prev = e.hash.clone();
            entries.push(e);
        }
        let head = Head {
            last_seq: n,
            last_hash: prev,
            first_seq: 1,
            first_prev_hash: GENESIS.to_string(),
        };
        (entries, head)
    }

    fn verify(head: &Head, expect: Option<&str>, entries: &[Entry]) -> Report {
        let mut v = Verifier::new(head.clone(), expect.map(str::to_string));
        for e in entries {
            if !v.push(e) {
                break;
            }
        }
        v.finish()
    }

    #[test]
    fn an_intact_chain_verifies() {
        let (entries, head) = chain(20);
        let report = verify(&head, None, &entries);
        assert_eq!(report.first_break, None);
        assert!(report.is_intact());
        assert_eq!(report.entries, 20);
        assert_eq!(report.last_seq, 20);
        assert_eq!(report.head_hash, head.last_hash);
    }

    #[test]
    fn the_hash_covers_every_field() {
        let (entries, _) = chain(1);
        let base = entries[0].clone();
        let edits: Vec<fn(&mut Entry)> = vec![
            |e| e.seq += 1,
            |e| e.occurred_at += chrono::Duration::microseconds(1),
            |e| e.actor_id = None,
            |e| e.actor.push('x'),
            |e| e.address = Some("192.0.2.2".into()),
            |e| e.request_id = None,
            |e| e.action.push('x'),
            |e| e.target_type = None,
            |e| e.target_id = Some(String::new()),
            |e| e.before_json = None,
            |e| e.after_json = Some("{}".into()),
            |e| e.prev_hash = "1".repeat(64),
        ];
        for edit in edits {
            let mut e = base.clone();
            edit(&mut e);
            assert_ne!(entry_hash(&e), base.hash, "{e:?}");
        }
        assert_eq!(entry_hash(&base), base.hash);
        assert_eq!(base.hash.len(), 64);
    }

    #[test]
    fn field_boundaries_are_unambiguous() {
        let (entries, _) = chain(1);
        let mut a = entries[0].clone();
        a.target_type = Some("ab".into());
        a.target_id = Some("c".into());
        let mut b = a.clone();
        b.target_type = Some("a".into());
        b.target_id = Some("bc".into());
        assert_ne!(entry_hash(&a), entry_hash(&b));
        let mut c = a.clone();
        c.target_id = None;
        let mut d = a.clone();
        d.target_id = Some("null".into());
        assert_ne!(entry_hash(&c), entry_hash(&d));
    }

    #[test]
    fn a_changed_field_is_changed_at_that_entry() {
        let (mut entries, head) = chain(20);
        entries[16].action = "vendor.delete".into();
        assert_eq!(
            verify(&head, None, &entries).first_break,
            Some(Break::Changed { seq: 17 })
        );
        let report = verify(&head, None, &entries);
        assert_eq!(report.entries, 16);
        assert_eq!(report.last_seq, 16);
    }

    #[test]
    fn a_rewritten_entry_with_a_recomputed_hash_breaks_the_next_link() {
        let (mut entries, head) = chain(20);
        entries[16].action = "vendor.delete".into();
        entries[16].hash = entry_hash(&entries[16]);
        assert_eq!(
            verify(&head, None, &entries).first_break,
            Some(Break::Inserted { seq: 18 })
        );
    }

    #[test]
    fn a_rewritten_last_entry_no_longer_matches_the_head() {
        let (mut entries, head) = chain(5);
        entries[4].action = "vendor.delete".into();
        entries[4].hash = entry_hash(&entries[4]);
        assert_eq!(
            verify(&head, None, &entries).first_break,
            Some(Break::HeadMismatch {
                expected: head.last_hash.clone(),
                found: entries[4].hash.clone()
            })
        );
    }

    #[test]
    fn a_removed_middle_entry_is_missing() {
        let (mut entries, head) = chain(20);
        entries.remove(17);
        let report = verify(&head, None, &entries);
        assert_eq!(
            report.first_break,
            Some(Break::Missing {
                after_seq: Some(17),
                expected_seq: 18
            })
        );
        assert_eq!(
            report.first_break.unwrap().to_string(),
            "entry 18 is missing (after entry 17)"
        );
    }

    #[test]
    fn removed_first_entries_are_missing() {
        let (mut entries, head) = chain(20);
        entries.drain(0..3);
        assert_eq!(
            verify(&head, None, &entries).first_break,
            Some(Break::Missing {
                after_seq: None,
                expected_seq: 1
            })
        );
    }

    #[test]
    fn removed_last_entries_are_missing() {
        let (mut entries, head) = chain(20);
        entries.truncate(18);
        assert_eq!(
            verify(&head, None, &entries).first_break,
            Some(Break::Missing {
                after_seq: Some(18),
                expected_seq: 19
            })
        );
        assert_eq!(
            verify(&head, None, &[]).first_break,
            Some(Break::Missing {
                after_seq: None,
                expected_seq: 1
            })
        );
    }

    #[test]
    fn an_extra_entry_at_the_end_is_inserted() {
        let (mut entries, head) = chain(20);
        // Even correctly linked and hashed: the head says the log ends at 20.
        let extra = Entry::build(
            21,
            at(30),
            &Origin::system("system"),
            &Event::new("user.sign_in"),
            &entries[19].hash,
        );
        entries.push(extra);
        let report = verify(&head, None, &entries);
        assert_eq!(report.first_break, Some(Break::Inserted { seq: 21 }));
        assert_eq!(report.entries, 20);
    }

    #[test]
    fn an_entry_before_the_recorded_start_is_inserted() {
        let (entries, mut head) = chain(20);
        head.first_seq = 5;
        head.first_prev_hash = entries[3].hash.clone();
        assert!(verify(&head, None, &entries[4..]).is_intact());
        assert_eq!(
            verify(&head, None, &entries).first_break,
            Some(Break::Inserted { seq: 1 })
        );
    }

    #[test]
    fn a_purged_start_verifies_from_the_recorded_first_entry() {
        let (entries, mut head) = chain(20);
        head.first_seq = 8;
        head.first_prev_hash = entries[6].hash.clone();
        let report = verify(&head, None, &entries[7..]);
        assert!(report.is_intact(), "{report:?}");
        assert_eq!(report.entries, 13);
        // The start may not move further without the head saying so.
        assert_eq!(
            verify(&head, None, &entries[8..]).first_break,
            Some(Break::Missing {
                after_seq: None,
                expected_seq: 8
            })
        );
    }

    #[test]
    fn expect_head_must_be_on_the_chain() {
        let (entries, head) = chain(20);
        // A head recorded at entry 12 stays valid after more appends.
        let recorded = entries[11].hash.to_uppercase();
        assert!(verify(&head, Some(&recorded), &entries).is_intact());
        assert!(verify(&head, Some(&head.last_hash), &entries).is_intact());
        assert!(verify(&head, Some(GENESIS), &entries).is_intact());
        let other = "ab".repeat(32);
        assert_eq!(
            verify(&head, Some(&other), &entries).first_break,
            Some(Break::HeadMismatch {
                expected: other.clone(),
                found: head.last_hash.clone()
            })
        );
    }

    #[test]
    fn a_rewritten_chain_and_head_is_caught_only_by_expect_head() {
        let (entries, _) = chain(20);
        let recorded = entries[19].hash.clone();
        // Someone rewrites entry 10 onwards and audit_head to match.
        let mut forged = entries[..9].to_vec();
        for e in &entries[9..] {
            let mut f = e.clone();
            f.actor = "someone-else@example.jp".into();
            f.prev_hash = forged.last().unwrap().hash.clone();
            f.hash = entry_hash(&f);
            forged.push(f);
        }
        let head = Head {
            last_seq: 20,
            last_hash: forged[19].hash.clone(),
            first_seq: 1,
            first_prev_hash: GENESIS.into(),
        };
        assert!(verify(&head, None, &forged).is_intact());
        assert!(matches!(
            verify(&head, Some(&recorded), &forged).first_break,
            Some(Break::HeadMismatch { .. })
        ));
    }

    #[test]
    fn an_empty_chain_is_fine() {
        let report = verify(&Head::empty(), None, &[]);
        assert_eq!(
            report,
            Report {
                entries: 0,
                first_break: None,
                head_hash: GENESIS.to_string(),
                last_seq: 0
            }
        );
        assert!(verify(&Head::empty(), Some(GENESIS), &[]).is_intact());
    }

    #[test]
    fn pushing_stops_after_the_first_break() {
        let (mut entries, head) = chain(5);
        entries[1].actor = "x".into();
        entries[3].actor = "y".into();
        let mut v = Verifier::new(head, None);
        assert!(v.push(&entries[0]));
        assert!(!v.push(&entries[1]));
        assert!(!v.push(&entries[2]));
        assert_eq!(v.finish().first_break, Some(Break::Changed { seq: 2 }));
    }

    #[test]
    fn event_and_origin_builders() {
        let e = Event::new("config.change")
            .target("setting", "retention")
            .before(&1)
            .after(&serde_json::json!({"days": 30}));
        assert_eq!(e.action, "config.change");
        assert_eq!(e.target_type.as_deref(), Some("setting"));
        assert_eq!(e.target_id.as_deref(), Some("retention"));
        assert_eq!(e.before, Some(serde_json::json!(1)));
        // A map with non-string keys cannot become JSON: its error text is kept instead.
        let bad: std::collections::BTreeMap<(i32, i32), i32> = [((1, 2), 3)].into();
        let e = Event::new("x").after(&bad);
        assert!(matches!(e.after, Some(serde_json::Value::String(_))));
        let o = Origin::system("cli:root");
        assert_eq!(o.actor, "cli:root");
        assert!(o.actor_id.is_none());
    }

    #[test]
    fn timestamps_are_truncated_to_microseconds() {
        let t = chrono::NaiveDate::from_ymd_opt(2026, 1, 2)
            .unwrap()
            .and_hms_nano_opt(3, 4, 5, 123_456_789)
            .unwrap();
        let micros = truncate_to_micros(t);
        assert_eq!(
            micros.format(HASH_TIME_FORMAT).to_string(),
            "2026-01-02T03:04:05.123456"
        );
        assert_eq!(truncate_to_micros(micros), micros);
    }

    #[test]
    fn breaks_read_as_sentences() {
        assert_eq!(
            Break::Changed { seq: 17 }.to_string(),
            "entry 17 was changed (its hash does not match its content)"
        );
        assert!(Break::Inserted { seq: 21 }
            .to_string()
            .starts_with("entry 21 "));
        assert!(Break::Missing {
            after_seq: None,
            expected_seq: 1
        }
        .to_string()
        .starts_with("entry 1 is missing"));
    }
}
