# Lesson 11, hourly tips: solutions and one wrong answer per exercise.
# flink-notebook run notebooks/11-learn-flink-hourly-tips.ipynb \
#     --solutions notebooks/solutions/11-learn-flink-hourly-tips.py [--wrong ID]

# %% exercise:tips-sql
%%flink_sql -o answer1
SELECT window_start, window_end, driver_id, tips
FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end
                               ORDER BY tips DESC, driver_id) AS rownum
  FROM (
    SELECT window_start, window_end, driver_id, SUM(tip) AS tips
    FROM TABLE(TUMBLE(TABLE taxi_fares, DESCRIPTOR(event_time), INTERVAL '1' HOUR))
    GROUP BY window_start, window_end, driver_id
  )
)
WHERE rownum <= 1

# %% wrong:tips-sql
%%flink_sql -o answer1
-- The biggest single tip of each hour, not the biggest total.
SELECT window_start, window_end, driver_id, tips
FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end
                               ORDER BY tips DESC, driver_id) AS rownum
  FROM (
    SELECT window_start, window_end, driver_id, MAX(tip) AS tips
    FROM TABLE(TUMBLE(TABLE taxi_fares, DESCRIPTOR(event_time), INTERVAL '1' HOUR))
    GROUP BY window_start, window_end, driver_id
  )
)
WHERE rownum <= 1

# %% exercise:tips-table
%%flink -o answer2
from pyflink.table.expressions import col, lit
from pyflink.table.window import Tumble

fares_table = t_env.from_path("taxi_fares")
hourly = (fares_table
          .window(Tumble.over(lit(1).hours).on(col("event_time")).alias("w"))
          .group_by(col("w"), col("driver_id"))
          .select(col("w").start.alias("window_start"), col("w").end.alias("window_end"),
                  col("w").rowtime.alias("hour_time"),  # still event time: windows again
                  col("driver_id"), col("tip").sum.alias("tips")))
top = (hourly.window(Tumble.over(lit(1).hours).on(col("hour_time")).alias("h"))
             .group_by(col("h"))
             .select(col("h").start.alias("top_start"), col("tips").max.alias("top_tips")))
best = (hourly.select(col("window_start"), col("window_end"), col("driver_id"), col("tips"))
              .join(top, (col("window_start") == col("top_start"))
                    & (col("tips") == col("top_tips"))))
best.group_by(col("window_start"), col("window_end"), col("tips")) \
    .select(col("window_start"), col("window_end"), col("driver_id").min.alias("driver_id"),
            col("tips"))

# %% wrong:tips-table
%%flink -o answer2
# The maximum over all hours, not per hour: the other hours' best drivers are lost.
from pyflink.table.expressions import col, lit
from pyflink.table.window import Tumble

fares_table = t_env.from_path("taxi_fares")
hourly = (fares_table
          .window(Tumble.over(lit(1).hours).on(col("event_time")).alias("w"))
          .group_by(col("w"), col("driver_id"))
          .select(col("w").start.alias("window_start"), col("w").end.alias("window_end"),
                  col("driver_id"), col("tip").sum.alias("tips")))
top = hourly.select(col("tips").max.alias("top_tips"))
hourly.join(top, col("tips") == col("top_tips")) \
      .select(col("window_start"), col("window_end"), col("driver_id"), col("tips"))
