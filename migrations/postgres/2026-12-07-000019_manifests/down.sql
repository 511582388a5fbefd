DROP TABLE customs_receipts;
DROP TABLE handover_scans;
DROP TABLE manifest_bags;
DROP TABLE manifests;
