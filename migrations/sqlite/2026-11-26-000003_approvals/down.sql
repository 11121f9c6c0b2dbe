DROP TABLE approvals;
DROP TABLE manager_assets;
