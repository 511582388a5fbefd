DROP FUNCTION custody_lock_keys(text[]);
DROP TABLE stock_wakeups;
