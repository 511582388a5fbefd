DROP TABLE order_allocations;
DROP TABLE order_lines;
DROP TABLE orders;
