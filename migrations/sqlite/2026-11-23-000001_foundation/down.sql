DROP TABLE idempotency_records;
DROP TABLE bins;
DROP TABLE zones;
DROP TABLE skus;
DROP TABLE api_keys;
DROP TABLE console_sessions;
DROP TABLE staff_users;
DROP TABLE suppliers;
