-- pgbench script for the GET /api/v1/items/{id} limit (run with -M prepared -D items=N).
-- The select list and the WHERE are the API's item_get statement (kColumns in
-- infra/postgres/item_repository.cpp); pgbench variables are numbers only, so the id comes from
-- the helper table bench_ids(n, id) that items_bench.sh fills with the loaded items' ids: one extra
-- primary-key lookup per execution on top of what the API runs.
\set n random(1, :items)
SELECT i.id::text, i.name, i.description, i.seller_id, i.currency_code, i.start_price::text, i.current_price::text, i.bid_increment::text, (extract(epoch FROM i.start_date) * 1000000)::bigint, (extract(epoch FROM i.end_date) * 1000000)::bigint, i.status, i.buyer_id, ARRAY(SELECT c.category_id::text FROM item_categories c WHERE c.item_id = i.id ORDER BY c.category_id)::text, (extract(epoch FROM i.created_at) * 1000000)::bigint, (extract(epoch FROM i.updated_at) * 1000000)::bigint, i.version, i.bid_count FROM items i WHERE i.id = (SELECT b.id FROM bench_ids b WHERE b.n = :n);
