-- The index on sales (sale_date) is dropped: nothing reads sales by their date (the APIs read the rollups; the quiet-theater
-- rule reads sales by theater and time of sale, sales_theater_sold_at), and every sale paid for it: one more B-tree entry
-- in each batch's insert, the consumer's largest statement (docs/benchmarks.md, issue 12). A retention job or a recount
-- of one day can scan by time of sale or create the index for the occasion.
drop index if exists sales_sale_date;
