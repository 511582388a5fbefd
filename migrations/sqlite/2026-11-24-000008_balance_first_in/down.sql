ALTER TABLE stock_balances DROP COLUMN first_in_at;
