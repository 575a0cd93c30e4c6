# Lesson 09, Top-N and deduplication: the solutions, and one typical mistake per exercise.
# Put into the lesson's exercise cells by
#   flink-notebook run notebooks/09-lesson-top-n-and-dedup.ipynb \
#       --solutions notebooks/solutions/09-lesson-top-n-and-dedup.py [--wrong ID]

# %% exercise:top3
%%flink_sql -o answer1
SELECT product_id, units, rn
FROM (
  SELECT product_id, units, ROW_NUMBER() OVER (ORDER BY units DESC) AS rn
  FROM (SELECT product_id, SUM(quantity) AS units FROM shop_order_lines GROUP BY product_id)
)
WHERE rn <= 3

# %% wrong:top3
%%flink_sql -o answer1
-- Ranked ascending: the three worst sellers.
SELECT product_id, units, rn
FROM (
  SELECT product_id, units, ROW_NUMBER() OVER (ORDER BY units ASC) AS rn
  FROM (SELECT product_id, SUM(quantity) AS units FROM shop_order_lines GROUP BY product_id)
)
WHERE rn <= 3

# %% exercise:first-order
%%flink_sql -o answer2
SELECT customer_id, order_id, order_time
FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY order_time ASC) AS rn
  FROM shop_orders
)
WHERE rn = 1

# %% wrong:first-order
%%flink_sql -o answer2
-- The last order of each customer, not the first.
SELECT customer_id, order_id, order_time
FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY order_time DESC) AS rn
  FROM shop_orders
)
WHERE rn = 1
