DROP INDEX asns_tracking;
DROP INDEX asns_tracking_live;
CREATE UNIQUE INDEX asns_tracking_live ON asns (tracking_no)
    WHERE tracking_no IS NOT NULL AND status <> 'cancelled';
