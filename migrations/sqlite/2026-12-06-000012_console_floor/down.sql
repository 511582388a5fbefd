DROP INDEX receiving_exceptions_open;
ALTER TABLE receiving_exceptions DROP COLUMN resolution;
ALTER TABLE receiving_exceptions DROP COLUMN resolved_by;
ALTER TABLE receiving_exceptions DROP COLUMN resolved_at;
ALTER TABLE receiving_exceptions DROP COLUMN reason;
DROP TABLE label_prints;
DROP TABLE console_work;
