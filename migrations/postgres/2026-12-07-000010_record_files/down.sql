DROP TABLE engagement_record_files;
