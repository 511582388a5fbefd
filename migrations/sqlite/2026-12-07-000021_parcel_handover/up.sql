-- When a parcel left the warehouse's custody and on which manifest: the
-- lost-parcel clock starts here when no carrier milestone came (it counted
-- from the row's last change, which other writes move), and the parcel's
-- timeline shows the handover.
ALTER TABLE parcels ADD COLUMN handed_over_at text;
ALTER TABLE parcels ADD COLUMN handed_over_on text;

-- Parcels handed over before this: the manifest that took their bag, or
-- (none found) the row's last change, as the sweep read it until now.
UPDATE parcels SET
    handed_over_at = (
        SELECT m.handed_over_at FROM bag_parcels bp
        JOIN manifest_bags mb ON mb.bag_id = bp.bag_id AND mb.pulled_at IS NULL
        JOIN manifests m ON m.id = mb.manifest_id AND m.handed_over_at IS NOT NULL
        WHERE bp.parcel_id = parcels.id
        ORDER BY m.handed_over_at DESC LIMIT 1),
    handed_over_on = (
        SELECT m.manifest_no FROM bag_parcels bp
        JOIN manifest_bags mb ON mb.bag_id = bp.bag_id AND mb.pulled_at IS NULL
        JOIN manifests m ON m.id = mb.manifest_id AND m.handed_over_at IS NOT NULL
        WHERE bp.parcel_id = parcels.id
        ORDER BY m.handed_over_at DESC LIMIT 1)
WHERE status IN ('handed_over', 'in_transit', 'delivered', 'returned_to_sender');
UPDATE parcels SET handed_over_at = updated_at
WHERE handed_over_at IS NULL AND status IN ('handed_over', 'in_transit', 'delivered', 'returned_to_sender');
