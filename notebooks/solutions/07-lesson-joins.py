# Lesson 07, joins: the solutions, and one typical mistake per exercise.
# Put into the lesson's exercise cells by
#   flink-notebook run notebooks/07-lesson-joins.ipynb \
#       --solutions notebooks/solutions/07-lesson-joins.py [--wrong ID]

# %% exercise:per-channel
%%flink_sql -o answer1
SELECT o.channel, COUNT(*) AS order_lines
FROM shop_order_lines AS l JOIN shop_orders AS o ON l.order_id = o.order_id
GROUP BY o.channel

# %% wrong:per-channel
%%flink_sql -o answer1
-- Orders counted, not lines.
SELECT o.channel, COUNT(DISTINCT l.order_id) AS order_lines
FROM shop_order_lines AS l JOIN shop_orders AS o ON l.order_id = o.order_id
GROUP BY o.channel

# %% exercise:within-2h
%%flink_sql -o answer2
SELECT o.order_id, s.carrier, s.ship_time
FROM shop_orders AS o JOIN shop_shipments AS s
ON o.order_id = s.order_id
AND s.ship_time BETWEEN o.order_time AND o.order_time + INTERVAL '2' HOUR

# %% wrong:within-2h
%%flink_sql -o answer2
-- One hour, not two.
SELECT o.order_id, s.carrier, s.ship_time
FROM shop_orders AS o JOIN shop_shipments AS s
ON o.order_id = s.order_id
AND s.ship_time BETWEEN o.order_time AND o.order_time + INTERVAL '1' HOUR

# %% exercise:priced
%%flink_sql -o answer3
SELECT l.order_id, l.line_no, p.price, l.quantity * p.price AS amount
FROM shop_order_lines AS l
JOIN shop_products FOR SYSTEM_TIME AS OF l.order_time AS p
ON l.product_id = p.product_id

# %% wrong:priced
%%flink_sql -o answer3
-- A regular join: every line at its product's latest price.
SELECT l.order_id, l.line_no, p.price, l.quantity * p.price AS amount
FROM shop_order_lines AS l
JOIN shop_products AS p
ON l.product_id = p.product_id
