DROP TABLE claims;
DROP INDEX parcels_delivered;
DROP INDEX parcels_on_the_way;
ALTER TABLE parcels DROP COLUMN lost_suspected_at;
ALTER TABLE parcels DROP COLUMN delivered_at;
ALTER TABLE parcels DROP COLUMN milestone_at;
ALTER TABLE parcels DROP COLUMN milestone_status;
DROP TABLE tracking_events;
