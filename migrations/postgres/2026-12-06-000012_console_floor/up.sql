-- The floor console (issue: a floor that cannot be fooled).

-- What a staff member has confirmed so far on a floor screen, by scans:
-- the pick task's bin and units, the QC unit waiting for its verdict, the
-- putaway unit and the bin waiting for a confirm. Kept per person, not per
-- session, so that a refresh, a language switch or a new sign-in after the
-- session expired returns the worker to the same step.
CREATE TABLE console_work (
    user_id     uuid NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
    screen      text NOT NULL,
    state       text NOT NULL,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (user_id, screen)
);

-- Every print of a parcel's label: the first and each reprint, by whom.
CREATE TABLE label_prints (
    parcel_id   uuid NOT NULL REFERENCES parcels (id),
    copy_no     integer NOT NULL CHECK (copy_no > 0),
    printed_by  text NOT NULL,
    printed_at  timestamptz NOT NULL,
    PRIMARY KEY (parcel_id, copy_no)
);

-- The inbound exceptions queue: an exception stays open until a
-- supervisor resolves it with a note. A short receipt records the reason
-- the clerk chose when closing it.
ALTER TABLE receiving_exceptions ADD COLUMN reason text;
ALTER TABLE receiving_exceptions ADD COLUMN resolved_at timestamptz;
ALTER TABLE receiving_exceptions ADD COLUMN resolved_by text;
ALTER TABLE receiving_exceptions ADD COLUMN resolution text;
CREATE INDEX receiving_exceptions_open ON receiving_exceptions (created_at, id) WHERE resolved_at IS NULL;
