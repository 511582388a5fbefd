ALTER TABLE parcels DROP COLUMN hold_reason;
ALTER TABLE parcels DROP COLUMN chargeable_weight_g;
ALTER TABLE parcels DROP COLUMN volumetric_weight_g;
ALTER TABLE parcels DROP COLUMN channel_version;
ALTER TABLE parcels DROP COLUMN channel_id;
DROP TABLE tracking_ranges;
DROP TABLE channel_versions;
DROP TABLE channels;
