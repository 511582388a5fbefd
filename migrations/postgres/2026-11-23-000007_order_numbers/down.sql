DROP SEQUENCE order_no_seq;
