DROP TRIGGER user_divisions_auth ON user_divisions;
DROP TRIGGER user_roles_auth ON user_roles;
DROP TRIGGER users_auth ON users;
DROP TRIGGER api_tokens_auth ON api_tokens;
DROP FUNCTION bump_auth_generation();
DROP TABLE auth_generation;
