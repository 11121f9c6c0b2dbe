DROP INDEX approvals_state_role;
CREATE INDEX approvals_state_role ON approvals (state, approver_role);
