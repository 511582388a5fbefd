DROP INDEX orders_retention;
CREATE INDEX orders_retention ON orders (cancelled_at) WHERE buyer_sealed IS NOT NULL;
DROP INDEX order_lines_open;
CREATE INDEX order_lines_open ON order_lines (sku_id, order_id);
DROP INDEX outbox_owner_position;
CREATE INDEX outbox_owner_position ON outbox (owner_id, position);
DROP INDEX outbox_position_key;
ALTER TABLE outbox ADD CONSTRAINT outbox_position_key UNIQUE (position);

ALTER TABLE stock_movements
    DROP CONSTRAINT stock_movements_sku_owner_fkey,
    ADD CONSTRAINT stock_movements_sku_id_fkey FOREIGN KEY (sku_id) REFERENCES skus (id),
    ADD CONSTRAINT stock_movements_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES suppliers (id);
ALTER TABLE stock_balances
    DROP CONSTRAINT stock_balances_sku_owner_fkey,
    ADD CONSTRAINT stock_balances_sku_id_fkey FOREIGN KEY (sku_id) REFERENCES skus (id),
    ADD CONSTRAINT stock_balances_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES suppliers (id);
ALTER TABLE order_lines
    DROP CONSTRAINT order_lines_sku_owner_fkey,
    ADD CONSTRAINT order_lines_sku_id_fkey FOREIGN KEY (sku_id) REFERENCES skus (id),
    ADD CONSTRAINT order_lines_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES suppliers (id);
ALTER TABLE skus DROP CONSTRAINT skus_id_supplier_key;
