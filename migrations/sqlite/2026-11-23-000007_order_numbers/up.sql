-- Nothing to create: SQLite has one writer at a time, so order numbers keep
-- coming from document_counters (PostgreSQL uses a sequence).
SELECT 1;
