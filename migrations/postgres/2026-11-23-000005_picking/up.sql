-- Waves of allocated orders and their pick tasks, one per order line and
-- bin, walked in the bins' walk order.
CREATE TABLE waves (
    id          uuid PRIMARY KEY,
    wave_no     text NOT NULL UNIQUE,
    status      text NOT NULL,
    released_by text NOT NULL,
    created_at  timestamptz NOT NULL
);

CREATE TABLE pick_tasks (
    id          uuid PRIMARY KEY,
    wave_id     uuid NOT NULL REFERENCES waves (id),
    order_id    uuid NOT NULL REFERENCES orders (id),
    line_no     integer NOT NULL,
    sku_id      uuid NOT NULL REFERENCES skus (id),
    owner_id    uuid NOT NULL REFERENCES suppliers (id),
    bin_id      uuid NOT NULL REFERENCES bins (id),
    walk_order  bigint NOT NULL,
    quantity    integer NOT NULL CHECK (quantity > 0),
    picked      integer NOT NULL CHECK (picked >= 0),
    status      text NOT NULL,
    claimed_by  text,
    claimed_at  timestamptz,
    done_at     timestamptz
);
CREATE INDEX pick_tasks_open ON pick_tasks (status, walk_order);
CREATE INDEX pick_tasks_order ON pick_tasks (order_id);
