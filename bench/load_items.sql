-- Loads :items items (95% active, 5% sold; started within the last 30 days, ending within the next 30 days), one or two categories each, and the table
-- bench_ids (n, id) the benchmarks draw ids from. psql -v items=N -f bench/load_items.sql
INSERT INTO items (id, name, description, seller_id, currency_code, start_price, current_price, bid_increment,
                   start_date, end_date, status, buyer_id, created_at, updated_at)
SELECT gen_random_uuid(),
       (ARRAY['Vintage Camera', 'Mechanical Watch', 'Oil Painting', 'Road Bicycle', 'Vinyl Record',
              'Silver Coin', 'Leather Handbag', 'Model Train'])[1 + g % 8] || ' #' || g,
       (ARRAY['Excellent condition, original box and papers.', 'Minor signs of wear, fully working.',
              'Rare collector piece from a private estate.', 'Professionally restored, with certificate.'])[1 + g % 4],
       'seller-' || (g % 5000),
       (ARRAY['USD', 'EUR', 'GBP'])[1 + g % 3],
       s.price, s.price + (g % 10) * 5, 5.00,
       s.start, s.start + interval '60 days',
       CASE WHEN g % 20 = 0 THEN 'sold' ELSE 'active' END,
       CASE WHEN g % 20 = 0 THEN 'buyer-' || (g % 997) END,
       s.start, s.start
FROM generate_series(1, :items) AS g,
     LATERAL (SELECT round((10 + random() * 990)::numeric, 2) AS price,
                     now() - (g % 720) * interval '1 hour' AS start) AS s;

-- One category per item, a second one for every third item.
INSERT INTO item_categories (item_id, category_id)
SELECT i.id, a.cats[1 + (i.r + k.off) % array_length(a.cats, 1)]
FROM (SELECT id, row_number() OVER () AS r FROM items) AS i,
     (SELECT array_agg(id ORDER BY id) AS cats FROM categories) AS a,
     (VALUES (0), (7)) AS k(off)
WHERE k.off = 0 OR i.r % 3 = 0
ON CONFLICT DO NOTHING;

CREATE TABLE bench_ids (n serial PRIMARY KEY, id uuid NOT NULL);
INSERT INTO bench_ids (id) SELECT id FROM items ORDER BY id;
