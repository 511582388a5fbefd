ALTER TABLE parcels DROP COLUMN handed_over_on;
ALTER TABLE parcels DROP COLUMN handed_over_at;
