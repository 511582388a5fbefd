-- When units first came into a balance: allocation takes available stock
-- first in, first out by this time (then by bin), read with the balances
-- in one query. It was the balance's first ledger row, looked up bin by
-- bin for every line of every order.
ALTER TABLE stock_balances ADD COLUMN first_in_at TEXT;
UPDATE stock_balances SET first_in_at = (
    SELECT min(m.created_at) FROM stock_movements AS m
    WHERE m.owner_id = stock_balances.owner_id AND m.sku_id = stock_balances.sku_id
      AND m.to_bin = stock_balances.bin_id AND m.to_bucket = stock_balances.bucket
);
