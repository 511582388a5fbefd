DROP TABLE return_photos;
