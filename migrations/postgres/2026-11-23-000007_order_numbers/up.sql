-- Order numbers come from a sequence on PostgreSQL: taking one holds no
-- lock until commit, so concurrent intakes do not queue behind each other
-- (the per-day counter of document_counters did). Numbers may have gaps
-- where an intake rolled back.
CREATE SEQUENCE order_no_seq;
