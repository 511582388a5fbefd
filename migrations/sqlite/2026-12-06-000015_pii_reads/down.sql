DROP TABLE pii_reads;
