-- What a complete sweep made sure of, per deadline: a fingerprint of the deadline's key
-- and every (person, stage) it told of, all recorded in reminders_sent by then. The next
-- sweep that would tell the same people of the same stages finds the fingerprint here and
-- asks nothing more of reminders_sent; only deadlines whose stage, owner or escalation
-- changed since (a handful a day against hundreds of thousands open) are looked up one
-- reminder at a time. reminders_sent is never emptied, so a fingerprint stays true; a
-- stale one only costs those lookups. `marked_on` lets the sweep forget the fingerprints
-- of deadlines long gone.
CREATE TABLE reminder_marks (
    deadline_key TEXT PRIMARY KEY NOT NULL,
    told         TEXT NOT NULL,
    marked_on    DATE NOT NULL
);
