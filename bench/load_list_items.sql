-- Loads :items items for bench/list_bench.sh in one statement: one a second going back from now (distinct
-- created_at values, as real creates have), 95% active and 5% sold, prices 10.00 to 1000.00 (no bids: the current
-- price is the start price), auctions ending 1 to 31 days from now, 5000 sellers. No categories: the benchmark
-- measures paging, not the category join.
--   psql -v items=N -f bench/load_list_items.sql
INSERT INTO items (id, name, description, seller_id, currency_code, start_price, current_price, bid_increment,
                   start_date, end_date, status, buyer_id, created_at, updated_at)
SELECT gen_random_uuid(),
       (ARRAY['Vintage Camera', 'Mechanical Watch', 'Oil Painting', 'Road Bicycle', 'Vinyl Record',
              'Silver Coin', 'Leather Handbag', 'Model Train'])[1 + g % 8] || ' #' || g,
       (ARRAY['Excellent condition, original box and papers.', 'Minor signs of wear, fully working.',
              'Rare collector piece from a private estate.', 'Professionally restored, with certificate.'])[1 + g % 4],
       'seller-' || (g % 5000),
       'USD',
       s.price, s.price, 5.00,
       s.created, date_trunc('second', now()) + (1 + g % 30) * interval '1 day' + (g % 3600) * interval '1 second',
       CASE WHEN g % 20 = 0 THEN 'sold' ELSE 'active' END,
       CASE WHEN g % 20 = 0 THEN 'buyer-' || (g % 997) END,
       s.created, s.created
FROM generate_series(1, :items) AS g,
     LATERAL (SELECT round((10 + random() * 990)::numeric, 2) AS price,
                     date_trunc('second', now()) - g * interval '1 second' AS created) AS s;
