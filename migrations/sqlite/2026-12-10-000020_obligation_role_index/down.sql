DROP INDEX engagement_obligations_role;
CREATE INDEX engagement_obligations_role ON engagement_obligations(owner_role, owner_division_id, due_on);
