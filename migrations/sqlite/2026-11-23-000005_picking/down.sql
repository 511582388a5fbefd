DROP TABLE pick_tasks;
DROP TABLE waves;
