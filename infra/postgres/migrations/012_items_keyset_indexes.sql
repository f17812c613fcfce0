-- Indexes for keyset pages of GET /api/v1/items (cursor mode). A page after (value, id) is
--   WHERE (<sort column>, id) < ($value, $id) ORDER BY <sort column> DESC, id DESC LIMIT n
-- (">" and ASC for ascending sorts), which an index on (<sort column>, id) answers by reading n entries from
-- the cursor's position on, read forwards for ascending sorts and backwards for descending ones, however
-- deep the page is. An index needs both columns in the same direction for that: the created_at indexes of
-- 001 are (created_at DESC, id), which neither direction reads in (created_at, id) order, so the ORDER BY
-- needed a sort of every row sharing a created_at value. They are replaced by same-direction twins.
-- status is the filter almost every listing uses (status=active), so each sort key also has an index after
-- it; sellerId lists are by createdAt. The other filters (categoryId, price range, q) are checked on the
-- rows the sort index yields.
--
-- Migrations run in one transaction under an advisory lock (infra/postgres/migrator.cpp), so replicas that
-- start together build these once, and CREATE INDEX CONCURRENTLY (which refuses to run in a transaction)
-- is not available: each build holds a SHARE lock on items (reads go on, writes wait) for a few seconds per
-- million rows. On a large table, create them beforehand with CREATE INDEX CONCURRENTLY under these names;
-- IF NOT EXISTS then skips them. The old indexes are dropped last, so the ACCESS EXCLUSIVE lock a drop takes
-- is held only from there to the commit. Idempotent like every migration here.
CREATE INDEX IF NOT EXISTS items_created_id_idx ON items (created_at, id);
CREATE INDEX IF NOT EXISTS items_status_created_id_idx ON items (status, created_at, id);
CREATE INDEX IF NOT EXISTS items_status_end_date_id_idx ON items (status, end_date, id);
CREATE INDEX IF NOT EXISTS items_status_current_price_id_idx ON items (status, current_price, id);
CREATE INDEX IF NOT EXISTS items_seller_created_id_idx ON items (seller_id, created_at, id);

DROP INDEX IF EXISTS items_created_idx;
DROP INDEX IF EXISTS items_status_created_idx;
DROP INDEX IF EXISTS items_seller_created_idx;
