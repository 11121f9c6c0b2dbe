-- A new person moves the generation too: the people directory that deadlines are resolved
-- against is kept in memory per generation (`app::deadlines::DirectoryCache`), and a
-- person added and then named on an obligation must be found in it at once. Every other
-- change the directory holds (roles, divisions, name, address, language, deactivation)
-- already moves it.
CREATE TRIGGER users_auth_insert AFTER INSERT ON users
FOR EACH STATEMENT EXECUTE FUNCTION bump_auth_generation();
