DROP TABLE configuration_versions;
