-- Each engagement's obligations as its facts make them, whatever the day
-- (`policy::obligations::Standing`): recomputed in the transaction that changes the facts,
-- so that lists and deadlines ask "what is open or overdue today" of these rows instead
-- of deriving the whole register. The state on a day is decided in SQL from the columns
-- (`db::obligations` mirrors `Standing::on`): met while `met_until` has not passed,
-- waived while `waived_until` has not, overdue once `due_on` has.
CREATE TABLE engagement_obligations (
    engagement_id     TEXT NOT NULL REFERENCES engagements(id),
    position          INTEGER NOT NULL,
    rule_id           TEXT NOT NULL,
    subject           TEXT,
    subject_name      TEXT,
    via               TEXT,
    owner_role        TEXT NOT NULL,
    assignee_user_id  TEXT,
    -- The division whose holders of `owner_role` owe it, for a role that acts per
    -- division; NULL for one that acts for the whole organisation.
    owner_division_id TEXT,
    -- The engagement's division: who may see the row.
    division_id       TEXT NOT NULL,
    due_on            DATE,
    met_on            DATE,
    met_until         DATE,
    waiver_reason     TEXT,
    waiver_by         TEXT,
    waived_until      DATE,
    PRIMARY KEY (engagement_id, position)
);
-- A person's own (assigned) and their roles' obligations, soonest first.
CREATE INDEX engagement_obligations_assignee ON engagement_obligations(assignee_user_id, due_on);
CREATE INDEX engagement_obligations_role ON engagement_obligations(owner_role, owner_division_id, due_on);
-- The whole register's list, soonest first, and what is overdue (due before today).
CREATE INDEX engagement_obligations_due ON engagement_obligations(due_on, engagement_id, rule_id);
CREATE INDEX engagement_obligations_division ON engagement_obligations(division_id, due_on);

-- A person's other deadlines are read narrowly too: the engagements they are responsible
-- for, the corrective actions they own, the requests their roles decide.
CREATE INDEX engagements_responsible_user ON engagements(responsible_user_id);
CREATE INDEX findings_owner_state ON findings(owner_user_id, state);
CREATE INDEX approvals_state_role ON approvals(state, approver_role);

-- The engagements whose facts changed in the transaction under way: filled by the
-- triggers below, emptied by the same transaction when it recomputes their obligations
-- (`app::obligations::refresh_changed`). Rows left here by a write outside the
-- application's write path are recomputed at start-up.
CREATE TABLE obligation_refresh (
    engagement_id TEXT PRIMARY KEY
);

-- What the stored rows were derived with: the rules' source, the settings and the
-- mandatory clauses. Another value at start-up recomputes every engagement.
CREATE TABLE obligation_derivation (
    id          INTEGER PRIMARY KEY,
    fingerprint TEXT NOT NULL
);

-- Every table the obligations are derived from marks its engagement: the column that
-- names the engagement is the trigger's argument.
CREATE FUNCTION obligations_need_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO obligation_refresh (engagement_id)
        VALUES (to_jsonb(OLD) ->> TG_ARGV[0]) ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO obligation_refresh (engagement_id)
        VALUES (to_jsonb(NEW) ->> TG_ARGV[0]) ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;

-- The engagement's own row only for the columns the rules read; a check only when it
-- is or was accepted.
CREATE TRIGGER engagements_refresh_insert AFTER INSERT ON engagements
FOR EACH ROW EXECUTE FUNCTION obligations_need_refresh('id');
CREATE TRIGGER engagements_refresh_update AFTER UPDATE OF kind, level, status, starts_on, ends_on, responsible_user_id, parent_id, level_raised_on, check_interval_months, division_id ON engagements
FOR EACH ROW EXECUTE FUNCTION obligations_need_refresh('id');
CREATE TRIGGER checks_refresh_insert AFTER INSERT ON checks
FOR EACH ROW WHEN (NEW.state = 'accepted') EXECUTE FUNCTION obligations_need_refresh('engagement_id');
CREATE TRIGGER checks_refresh_update AFTER UPDATE ON checks
FOR EACH ROW WHEN (NEW.state = 'accepted' OR OLD.state = 'accepted')
EXECUTE FUNCTION obligations_need_refresh('engagement_id');
CREATE TRIGGER checks_refresh_delete AFTER DELETE ON checks
FOR EACH ROW WHEN (OLD.state = 'accepted') EXECUTE FUNCTION obligations_need_refresh('engagement_id');
CREATE TRIGGER information_items_refresh AFTER INSERT OR UPDATE OR DELETE ON information_items
FOR EACH ROW EXECUTE FUNCTION obligations_need_refresh('engagement_id');
CREATE TRIGGER status_changes_refresh AFTER INSERT OR UPDATE OR DELETE ON status_changes
FOR EACH ROW EXECUTE FUNCTION obligations_need_refresh('engagement_id');
CREATE TRIGGER contracts_refresh AFTER INSERT OR UPDATE OR DELETE ON contracts
FOR EACH ROW EXECUTE FUNCTION obligations_need_refresh('engagement_id');
CREATE TRIGGER approvals_refresh AFTER INSERT OR UPDATE OR DELETE ON approvals
FOR EACH ROW EXECUTE FUNCTION obligations_need_refresh('engagement_id');
CREATE TRIGGER manager_assets_refresh AFTER INSERT OR UPDATE OR DELETE ON manager_assets
FOR EACH ROW EXECUTE FUNCTION obligations_need_refresh('engagement_id');
CREATE TRIGGER obligation_waivers_refresh AFTER INSERT OR UPDATE OR DELETE ON obligation_waivers
FOR EACH ROW EXECUTE FUNCTION obligations_need_refresh('engagement_id');
CREATE TRIGGER engagement_records_refresh AFTER INSERT OR UPDATE OR DELETE ON engagement_records
FOR EACH ROW EXECUTE FUNCTION obligations_need_refresh('engagement_id');
CREATE TRIGGER configuration_versions_refresh AFTER INSERT OR UPDATE OR DELETE ON configuration_versions
FOR EACH ROW EXECUTE FUNCTION obligations_need_refresh('engagement_id');
CREATE TRIGGER responsibility_versions_refresh AFTER INSERT OR UPDATE OR DELETE ON responsibility_versions
FOR EACH ROW EXECUTE FUNCTION obligations_need_refresh('engagement_id');

-- Every engagement is derived at the next start-up (no fingerprint yet).
INSERT INTO obligation_refresh (engagement_id) SELECT id FROM engagements;
