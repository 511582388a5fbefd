-- Every order reserves stock: its balances' quantities and its SKUs' event
-- counters are updated in place. Neither column is indexed, so PostgreSQL
-- can keep the new version on the same page without touching any index
-- (a HOT update), if the page has room; full pages (the default, and what
-- a bulk load leaves) send it to another page, with a new entry in every
-- index. Leave room in pages written from now on.
ALTER TABLE stock_balances SET (fillfactor = 70);
ALTER TABLE event_sequences SET (fillfactor = 80);
