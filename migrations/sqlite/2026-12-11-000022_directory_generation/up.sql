-- A new person moves the generation too: the people directory that deadlines are resolved
-- against is kept in memory per generation (`app::deadlines::DirectoryCache`), and a
-- person added and then named on an obligation must be found in it at once. Every other
-- change the directory holds (roles, divisions, name, address, language, deactivation)
-- already moves it.
CREATE TRIGGER users_auth_insert AFTER INSERT ON users
BEGIN UPDATE auth_generation SET generation = generation + 1 WHERE id = 1; END;
