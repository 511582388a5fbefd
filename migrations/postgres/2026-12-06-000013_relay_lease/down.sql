DROP TABLE relay_lease;
