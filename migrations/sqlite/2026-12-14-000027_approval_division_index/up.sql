-- A person's pending approval requests are those of their roles asked of the whole
-- organisation or of one of their divisions: with the division in the index, each is a
-- range of it, where a role's every pending request was read to find one division's.
DROP INDEX approvals_state_role;
CREATE INDEX approvals_state_role ON approvals (state, approver_role, approver_division_id);
