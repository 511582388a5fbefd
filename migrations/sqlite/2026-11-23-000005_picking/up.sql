-- Waves of allocated orders and their pick tasks, one per order line and
-- bin, walked in the bins' walk order.
CREATE TABLE waves (
    id          blob PRIMARY KEY,
    wave_no     text NOT NULL UNIQUE,
    status      text NOT NULL,
    released_by text NOT NULL,
    created_at  text NOT NULL
);

CREATE TABLE pick_tasks (
    id          blob PRIMARY KEY,
    wave_id     blob NOT NULL REFERENCES waves (id),
    order_id    blob NOT NULL REFERENCES orders (id),
    line_no     integer NOT NULL,
    sku_id      blob NOT NULL REFERENCES skus (id),
    owner_id    blob NOT NULL REFERENCES suppliers (id),
    bin_id      blob NOT NULL REFERENCES bins (id),
    walk_order  integer NOT NULL,
    quantity    integer NOT NULL CHECK (quantity > 0),
    picked      integer NOT NULL CHECK (picked >= 0),
    status      text NOT NULL,
    claimed_by  text,
    claimed_at  text,
    done_at     text
);
CREATE INDEX pick_tasks_open ON pick_tasks (status, walk_order);
CREATE INDEX pick_tasks_order ON pick_tasks (order_id);
