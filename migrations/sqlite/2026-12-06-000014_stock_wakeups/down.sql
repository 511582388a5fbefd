DROP TABLE stock_wakeups;
