DROP TABLE bag_parcels;
DROP TABLE bags;
