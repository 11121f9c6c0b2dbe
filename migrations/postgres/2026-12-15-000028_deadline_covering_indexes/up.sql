-- A person's deadlines read, for each of their roles, every open or overdue obligation
-- of the role and every pending approval request: 4,800 and 5,500 of them for the CISO
-- and the chief system manager at 100,000 engagements. Read through the role indexes,
-- each entry cost a look-up of its row, wherever it lay in the table, and the role index
-- held the role's settled rows too (7,770 entries for the CISO's 4,816 open ones). These
-- indexes hold only what can be owed, with every column the deadline is made from, so
-- the rows come from the index (an index-only scan where the table is vacuumed).
--
-- The obligations owed by a role, neither met nor waived for good.
CREATE INDEX engagement_obligations_role_unsettled ON engagement_obligations
    (owner_role, owner_division_id, due_on)
    INCLUDE (engagement_id, position, rule_id, subject, subject_name, via, assignee_user_id,
             division_id, met_on, met_until, waiver_reason, waiver_by, waived_until)
    WHERE assignee_user_id IS NULL
      AND (met_on IS NULL OR met_until IS NOT NULL)
      AND (waiver_by IS NULL OR waived_until IS NOT NULL);
-- The requests waiting for a decision, with what a deadline says of them
-- (`PendingApproval` in db/approvals.rs).
CREATE INDEX approvals_pending ON approvals (approver_role, approver_division_id)
    INCLUDE (id, engagement_id, rule_id, subject_name, requested_at, state)
    WHERE state = 'pending';
