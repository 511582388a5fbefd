DROP TABLE unidentified_returns;
DROP TABLE return_units;
ALTER TABLE returns DROP COLUMN weight_flag;
ALTER TABLE returns DROP COLUMN expected_weight_g;
ALTER TABLE returns DROP COLUMN arrival_weight_g;
ALTER TABLE returns DROP COLUMN arrived_by;
ALTER TABLE returns DROP COLUMN arrived_at;
