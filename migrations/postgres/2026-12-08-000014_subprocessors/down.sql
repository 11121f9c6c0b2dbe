DROP TABLE subprocessor_links;
DROP TABLE subprocessor_changes;
