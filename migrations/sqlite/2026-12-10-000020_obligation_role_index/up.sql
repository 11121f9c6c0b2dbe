-- The obligations owed by a role (no one named) are a small part of the table; those of
-- a named person carry the role too. A look-up of a role's obligations searched every row
-- of the role and skipped the named ones one by one (half a million rows of the security
-- officer's at 100,000 engagements): the index now holds only the unnamed ones.
DROP INDEX engagement_obligations_role;
CREATE INDEX engagement_obligations_role ON engagement_obligations
    (owner_role, owner_division_id, due_on) WHERE assignee_user_id IS NULL;
