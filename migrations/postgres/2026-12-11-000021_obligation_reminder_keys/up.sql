-- An obligation's reminders are now recorded under a key that ends with its due date, as
-- a check's and a finding's are: a periodic obligation met for one interval falls due
-- again under the same rule, and its next cycle's reminders are new (R-8.3.1, R-8.3.2).
-- What was recorded before is carried over to the key of the obligation's current due
-- date, so that no one is reminded again, after the upgrade, of what they were told.
UPDATE reminders_sent r
SET deadline_key = r.deadline_key || ':' || to_char(o.due_on, 'YYYY-MM-DD')
FROM engagement_obligations o
WHERE r.deadline_key LIKE 'obligation:%'
  AND o.engagement_id = split_part(r.deadline_key, ':', 2)
  AND r.deadline_key
      = 'obligation:' || o.engagement_id || ':' || o.rule_id || ':' || coalesce(o.subject, '')
  AND o.due_on IS NOT NULL;
