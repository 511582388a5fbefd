-- Every read of a buyer's full name, phone and address (a shipping label
-- rendered for the console or the API): who, when, which order, through
-- what. Admins read it; nothing in it is personal data of the buyer.
CREATE TABLE pii_reads (
    id          blob PRIMARY KEY,
    read_at     text NOT NULL,
    actor       text NOT NULL,
    order_id    blob NOT NULL,
    order_no    text NOT NULL,
    parcel_id   blob,
    purpose     text NOT NULL
);
CREATE INDEX pii_reads_by_time ON pii_reads (read_at DESC, id DESC);
CREATE INDEX pii_reads_by_order ON pii_reads (order_no, read_at DESC);
