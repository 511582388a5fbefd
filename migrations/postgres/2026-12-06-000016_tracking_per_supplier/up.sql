-- A tracking number is unique among one supplier's live shipments, not
-- across suppliers: refusing one because another supplier uses it told the
-- first about the second's shipment. At the dock, a tracking number two
-- suppliers share is resolved by scanning a carton label or the shipment
-- number instead.
DROP INDEX asns_tracking_live;
CREATE UNIQUE INDEX asns_tracking_live ON asns (supplier_id, tracking_no)
    WHERE tracking_no IS NOT NULL AND status <> 'cancelled';
CREATE INDEX asns_tracking ON asns (tracking_no) WHERE tracking_no IS NOT NULL;
