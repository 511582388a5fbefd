-- Photos taken at the returns desk: of a return (the parcel, or one unit
-- by its line and unit number) or of a parcel nobody could identify yet.
-- Kept in the database so that every instance serves them; added, never
-- edited.
CREATE TABLE return_photos (
    id              blob PRIMARY KEY,
    return_id       blob REFERENCES returns (id),
    unidentified_id blob REFERENCES unidentified_returns (id),
    line_no         integer,
    unit_no         integer,
    media_type      text NOT NULL CHECK (media_type IN ('image/jpeg', 'image/png', 'image/webp')),
    byte_size       integer NOT NULL CHECK (byte_size > 0),
    sha256          text NOT NULL,
    content         blob NOT NULL,
    taken_by        text NOT NULL,
    taken_at        text NOT NULL,
    CHECK (return_id IS NOT NULL OR unidentified_id IS NOT NULL),
    CHECK ((line_no IS NULL) = (unit_no IS NULL))
);
CREATE INDEX return_photos_of_return ON return_photos (return_id, taken_at);
CREATE INDEX return_photos_of_unidentified ON return_photos (unidentified_id, taken_at);
