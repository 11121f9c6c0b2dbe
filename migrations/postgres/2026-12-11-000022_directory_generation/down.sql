DROP TRIGGER users_auth_insert ON users;
