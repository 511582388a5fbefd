-- Every foreign-key check of a new row runs a query for the row it refers
-- to and locks that row (FOR KEY SHARE: the first lock of a row in a
-- transaction writes a log record and dirties the referred table's page,
-- which then goes to disk again at the next checkpoint). An order of two
-- lines ran ten such checks: per line its order and its SKU, per
-- allocation its order and its bin, per ledger row its SKU. Now six.
--
-- An allocation's bin is the bin of the reserved balance written beside
-- it, and balances have never referred to bins (stock without a bin has the
-- nil bin); bins are never deleted. The allocation keeps its reference to
-- the order, which its lines have locked already.
ALTER TABLE order_allocations DROP CONSTRAINT order_allocations_bin_id_fkey;

-- The ledger records balance changes: each row is written in the
-- transaction of the change it records, for the same owner, SKU and bin,
-- and balances refer to their SKU and its owner. SKUs are never deleted.
ALTER TABLE stock_movements DROP CONSTRAINT stock_movements_sku_owner_fkey;
