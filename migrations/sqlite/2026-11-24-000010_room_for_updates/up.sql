-- PostgreSQL leaves room in the pages of stock_balances and event_sequences
-- for in-place updates; SQLite has no such setting.
SELECT 1;
