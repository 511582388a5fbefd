DROP TABLE return_liabilities;
DROP TABLE return_lines;
DROP TABLE returns;
DROP TABLE return_policies;
