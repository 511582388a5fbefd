ALTER TABLE stock_movements
    ADD CONSTRAINT stock_movements_sku_owner_fkey FOREIGN KEY (sku_id, owner_id) REFERENCES skus (id, supplier_id);
ALTER TABLE order_allocations
    ADD CONSTRAINT order_allocations_bin_id_fkey FOREIGN KEY (bin_id) REFERENCES bins (id);
