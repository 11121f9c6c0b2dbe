-- An obligation's reminders are now recorded under a key that ends with its due date, as
-- a check's and a finding's are: a periodic obligation met for one interval falls due
-- again under the same rule, and its next cycle's reminders are new (R-8.3.1, R-8.3.2).
-- What was recorded before is carried over to the key of the obligation's current due
-- date, so that no one is reminded again, after the upgrade, of what they were told.
UPDATE reminders_sent
SET deadline_key = reminders_sent.deadline_key || ':' || o.due_on
FROM engagement_obligations o
WHERE reminders_sent.deadline_key LIKE 'obligation:%'
  AND o.engagement_id = substr(reminders_sent.deadline_key, 12,
                               instr(substr(reminders_sent.deadline_key, 12), ':') - 1)
  AND reminders_sent.deadline_key
      = 'obligation:' || o.engagement_id || ':' || o.rule_id || ':' || coalesce(o.subject, '')
  AND o.due_on IS NOT NULL;
