ALTER TABLE event_sequences RESET (fillfactor);
ALTER TABLE stock_balances RESET (fillfactor);
