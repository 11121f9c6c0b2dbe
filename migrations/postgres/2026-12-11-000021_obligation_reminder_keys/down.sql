-- Back to keys without the due date; of two cycles of one obligation, the latest stays.
DELETE FROM reminders_sent WHERE ctid IN (
    SELECT ctid FROM (
        SELECT ctid, row_number() OVER (
            PARTITION BY left(deadline_key, -11), stage, recipient_user_id
            ORDER BY deadline_key DESC) AS n
        FROM reminders_sent
        WHERE deadline_key ~ '^obligation:.*:\d{4}-\d{2}-\d{2}$') numbered
    WHERE n > 1);
UPDATE reminders_sent
SET deadline_key = left(deadline_key, -11)
WHERE deadline_key ~ '^obligation:.*:\d{4}-\d{2}-\d{2}$';
