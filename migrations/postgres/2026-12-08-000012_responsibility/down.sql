DROP TABLE responsibility_versions;
