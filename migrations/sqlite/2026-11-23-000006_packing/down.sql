DROP TABLE outbound_exceptions;
DROP TABLE parcel_items;
DROP TABLE parcels;
DROP TABLE carton_types;
DROP INDEX orders_tote;
ALTER TABLE orders DROP COLUMN tote;
ALTER TABLE pick_tasks DROP COLUMN tote;
