-- Bumped by every change that can end or narrow what a bearer token lets its holder do:
-- a token revoked or deleted, a person deactivated, renamed or given other roles or
-- divisions. Each instance keeps recently resolved tokens in memory
-- (`app::token_cache`) and empties that cache when it sees a new value: at once for its
-- own writes, within a fraction of a second for another instance's.
CREATE TABLE auth_generation (
    id         INTEGER PRIMARY KEY,
    generation BIGINT NOT NULL
);
INSERT INTO auth_generation (id, generation) VALUES (1, 0);

CREATE FUNCTION bump_auth_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE auth_generation SET generation = generation + 1 WHERE id = 1;
    RETURN NULL;
END $$;

CREATE TRIGGER api_tokens_auth AFTER UPDATE OF revoked_at, token_hash, user_id OR DELETE ON api_tokens
FOR EACH STATEMENT EXECUTE FUNCTION bump_auth_generation();
CREATE TRIGGER users_auth AFTER UPDATE OF active, email, display_name, language, password_hash, must_change_password, deactivated_at, totp_secret, totp_enabled_at OR DELETE ON users
FOR EACH STATEMENT EXECUTE FUNCTION bump_auth_generation();
CREATE TRIGGER user_roles_auth AFTER INSERT OR UPDATE OR DELETE ON user_roles
FOR EACH STATEMENT EXECUTE FUNCTION bump_auth_generation();
CREATE TRIGGER user_divisions_auth AFTER INSERT OR UPDATE OR DELETE ON user_divisions
FOR EACH STATEMENT EXECUTE FUNCTION bump_auth_generation();
