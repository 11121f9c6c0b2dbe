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

CREATE TRIGGER api_tokens_auth_update AFTER UPDATE OF revoked_at, token_hash, user_id ON api_tokens
BEGIN UPDATE auth_generation SET generation = generation + 1 WHERE id = 1; END;
CREATE TRIGGER api_tokens_auth_delete AFTER DELETE ON api_tokens
BEGIN UPDATE auth_generation SET generation = generation + 1 WHERE id = 1; END;
CREATE TRIGGER users_auth_update AFTER UPDATE OF active, email, display_name, language, password_hash, must_change_password, deactivated_at, totp_secret, totp_enabled_at ON users
BEGIN UPDATE auth_generation SET generation = generation + 1 WHERE id = 1; END;
CREATE TRIGGER users_auth_delete AFTER DELETE ON users
BEGIN UPDATE auth_generation SET generation = generation + 1 WHERE id = 1; END;
CREATE TRIGGER user_roles_auth_insert AFTER INSERT ON user_roles
BEGIN UPDATE auth_generation SET generation = generation + 1 WHERE id = 1; END;
CREATE TRIGGER user_roles_auth_update AFTER UPDATE ON user_roles
BEGIN UPDATE auth_generation SET generation = generation + 1 WHERE id = 1; END;
CREATE TRIGGER user_roles_auth_delete AFTER DELETE ON user_roles
BEGIN UPDATE auth_generation SET generation = generation + 1 WHERE id = 1; END;
CREATE TRIGGER user_divisions_auth_insert AFTER INSERT ON user_divisions
BEGIN UPDATE auth_generation SET generation = generation + 1 WHERE id = 1; END;
CREATE TRIGGER user_divisions_auth_update AFTER UPDATE ON user_divisions
BEGIN UPDATE auth_generation SET generation = generation + 1 WHERE id = 1; END;
CREATE TRIGGER user_divisions_auth_delete AFTER DELETE ON user_divisions
BEGIN UPDATE auth_generation SET generation = generation + 1 WHERE id = 1; END;
