-- Back to keys without the due date; of two cycles of one obligation, the latest stays.
DELETE FROM reminders_sent WHERE rowid IN (
    SELECT rowid FROM (
        SELECT rowid, row_number() OVER (
            PARTITION BY substr(deadline_key, 1, length(deadline_key) - 11), stage,
                         recipient_user_id
            ORDER BY deadline_key DESC) AS n
        FROM reminders_sent
        WHERE deadline_key GLOB 'obligation:*:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]')
    WHERE n > 1);
UPDATE reminders_sent
SET deadline_key = substr(deadline_key, 1, length(deadline_key) - 11)
WHERE deadline_key GLOB 'obligation:*:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]';
