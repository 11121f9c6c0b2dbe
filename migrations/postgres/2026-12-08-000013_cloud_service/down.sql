DROP TABLE cloud_service_records;
