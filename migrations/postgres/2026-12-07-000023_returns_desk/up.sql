-- The returns desk: a return parcel's arrival (weighed against what was
-- shipped), each returned unit's grade and disposition, and parcels that
-- arrive without anything to identify them.
ALTER TABLE returns ADD COLUMN arrived_at timestamptz;
ALTER TABLE returns ADD COLUMN arrived_by text;
ALTER TABLE returns ADD COLUMN arrival_weight_g integer;
ALTER TABLE returns ADD COLUMN expected_weight_g integer;
-- `light` or `empty` when the box weighs less than what was shipped.
ALTER TABLE returns ADD COLUMN weight_flag text;

CREATE TABLE return_units (
    id           uuid PRIMARY KEY,
    return_id    uuid NOT NULL REFERENCES returns (id),
    line_no      integer NOT NULL,
    unit_no      integer NOT NULL,
    grade        text,
    grade_note   text NOT NULL,
    graded_by    text,
    graded_at    timestamptz,
    disposition  text,
    bin_id       uuid,
    disposed_by  text,
    disposed_at  timestamptz,
    UNIQUE (return_id, line_no, unit_no)
);

CREATE TABLE unidentified_returns (
    id                 uuid PRIMARY KEY,
    code               text NOT NULL,
    weight_g           integer NOT NULL,
    note               text NOT NULL,
    status             text NOT NULL,
    resolved_return_id uuid REFERENCES returns (id),
    created_by         text NOT NULL,
    created_at         timestamptz NOT NULL,
    resolved_by        text,
    resolved_at        timestamptz
);
CREATE INDEX unidentified_returns_open ON unidentified_returns (status, created_at);
