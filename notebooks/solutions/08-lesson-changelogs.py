# Lesson 08, changelogs: the solutions, and one typical mistake per exercise.
# Put into the lesson's exercise cells by
#   flink-notebook run notebooks/08-lesson-changelogs.ipynb \
#       --solutions notebooks/solutions/08-lesson-changelogs.py [--wrong ID]

# %% exercise:predict
# Orders 0 to 4 come over app, store, web, web, web.
prediction = [
    ("+I", "app", 1),
    ("+I", "store", 1),
    ("+I", "web", 1),
    ("-U", "web", 1),
    ("+U", "web", 2),
    ("-U", "web", 2),
    ("+U", "web", 3),
]

# %% wrong:predict
# The updates without their retractions.
prediction = [
    ("+I", "app", 1),
    ("+I", "store", 1),
    ("+I", "web", 1),
    ("+U", "web", 2),
    ("+U", "web", 3),
]

# %% exercise:histogram
%%flink_sql -o answer2
SELECT orders, COUNT(*) AS customers
FROM (SELECT customer_id, COUNT(*) AS orders FROM shop_orders GROUP BY customer_id)
GROUP BY orders

# %% wrong:histogram
%%flink_sql -o answer2
-- Orders counted per customer and channel, not per customer.
SELECT orders, COUNT(*) AS customers
FROM (SELECT customer_id, COUNT(*) AS orders FROM shop_orders GROUP BY customer_id, channel)
GROUP BY orders
